package dev.runbook.cli;

import dev.runbook.workflows.model.Stage;
import java.time.Instant;

/**
 * One line of {@code runbook node list}.
 *
 * @param status Temporal's execution status (Running, Completed, Failed, Canceled, Terminated, TimedOut, ...)
 * @param stage the maintenance stage, queried for running maintenances only; null when not known
 * @param note why the stage is missing, when a running maintenance did not answer its query
 */
public record MaintenanceSummary(
    String node, String workflowId, String runId, String status, Instant started, Instant closed, Stage stage, String note) {}
