package dev.runbook.workflows.activities;

/** Cordon {@code nodeName} for {@code workflowId}: unschedulable, the drain taint, the owner annotation. */
public record CordonRequest(String nodeName, String workflowId, String reason) {}
