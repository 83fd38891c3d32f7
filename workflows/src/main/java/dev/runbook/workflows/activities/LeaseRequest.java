package dev.runbook.workflows.activities;

/**
 * The per-node maintenance Lease, following the medik8s convention so other remediation operators see it.
 *
 * @param holderIdentity who holds it (the workflow id)
 * @param durationSeconds {@code spec.leaseDurationSeconds}; the workflow renews well before it runs out
 */
public record LeaseRequest(String nodeName, String holderIdentity, int durationSeconds) {}
