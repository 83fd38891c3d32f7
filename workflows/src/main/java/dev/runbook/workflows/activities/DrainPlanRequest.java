package dev.runbook.workflows.activities;

/** The drain options that decide a plan (kubectl drain's flags of the same names). */
public record DrainPlanRequest(String nodeName, boolean deleteEmptyDirData, boolean ignoreDaemonSets, boolean force) {}
