package dev.runbook.workflows.activities;

/**
 * @param wasUnschedulable the node was cordoned before this maintenance touched it (read from the owner
 *     annotation's record on a re-run, so a retry after a crash does not mistake our own cordon for a prior one)
 */
public record CordonResult(boolean wasUnschedulable) {}
