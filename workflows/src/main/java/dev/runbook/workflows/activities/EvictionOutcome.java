package dev.runbook.workflows.activities;

public enum EvictionOutcome {
  /** The API server accepted the eviction; the pod is terminating. */
  EVICTED,
  /** The API server accepted the eviction and the pod is gone too (within the request's awaitGoneSeconds). */
  EVICTED_AND_GONE,
  /** The pod was already gone (NotFound, a new UID under the name, or no longer on the node). */
  ALREADY_GONE,
  /** KubeVirt answered by starting an evacuation: the VM live-migrates, the pod goes when the migration ends. */
  EVACUATION_STARTED,
  /** Refused; {@code blocker} says why. */
  BLOCKED
}
