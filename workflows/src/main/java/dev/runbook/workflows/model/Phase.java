package dev.runbook.workflows.model;

/** The NodeMaintenance CR's {@code status.phase}, as NMO uses it. */
public enum Phase {
  Running,
  Succeeded,
  Failed
}
