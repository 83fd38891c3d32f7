package dev.runbook.workflows.activities;

/** NMO's event reasons, so {@code kubectl describe node} tells the same story as under NMO. */
public enum NodeEventReason {
  BeginMaintenance,
  SucceedMaintenance,
  FailedMaintenance,
  UncordonNode,
  RemovedMaintenance
}
