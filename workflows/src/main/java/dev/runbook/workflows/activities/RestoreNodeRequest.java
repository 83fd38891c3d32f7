package dev.runbook.workflows.activities;

/**
 * Undo this maintenance on the node: remove the drain taint and the owner annotation; set schedulable again only
 * when {@code uncordon} (we cordoned it). Does nothing to a node whose owner annotation names another workflow.
 */
public record RestoreNodeRequest(String nodeName, String workflowId, boolean uncordon) {}
