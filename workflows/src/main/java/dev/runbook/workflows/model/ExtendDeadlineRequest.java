package dev.runbook.workflows.model;

import java.time.Duration;

/** The {@code extendDrainDeadline} signal: give the drain more time, counted from now. */
public record ExtendDeadlineRequest(Duration extendBy) {}
