package dev.runbook.workflows.activities;

/**
 * A Kubernetes Event on the node. {@code dedupKey} makes a retried emit idempotent (same event name).
 *
 * @param warning type Warning rather than Normal
 */
public record NodeEventRequest(String nodeName, NodeEventReason reason, String message, boolean warning, String dedupKey) {}
