package dev.runbook.workflows.activities;

import dev.runbook.workflows.model.PodRef;

/**
 * Evict one pod through {@code policy/v1} Eviction.
 *
 * @param waitWhileBlocked false: one attempt, a refusal comes back as {@link EvictionOutcome#BLOCKED}. true: keep
 *     trying, watching the blocking PDB and trying again the moment it allows a disruption, heartbeating the
 *     blocker, until the eviction is accepted or the activity is cancelled
 * @param gracePeriodSeconds null for the pod's own
 * @param awaitGoneSeconds once the eviction is accepted, wait up to this long for the pod to be gone and then
 *     answer {@link EvictionOutcome#EVICTED_AND_GONE}; past it, answer {@link EvictionOutcome#EVICTED} (the pod is
 *     still terminating). 0 answers at once. Saves the workflow a separate wait for a pod that goes quickly.
 */
public record EvictionRequest(
    PodRef pod, String nodeName, Integer gracePeriodSeconds, boolean waitWhileBlocked, int awaitGoneSeconds) {
  public EvictionRequest(PodRef pod, String nodeName, Integer gracePeriodSeconds, boolean waitWhileBlocked) {
    this(pod, nodeName, gracePeriodSeconds, waitWhileBlocked, 0);
  }
}
