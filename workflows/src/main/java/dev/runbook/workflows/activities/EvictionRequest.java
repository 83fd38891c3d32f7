package dev.runbook.workflows.activities;

import dev.runbook.workflows.model.PodRef;

/**
 * Evict one pod through {@code policy/v1} Eviction.
 *
 * @param waitWhileBlocked false: one attempt, a refusal comes back as {@link EvictionOutcome#BLOCKED}. true: keep
 *     trying, watching the blocking PDB and trying again the moment it allows a disruption, heartbeating the
 *     blocker, until the eviction is accepted or the activity is cancelled
 * @param gracePeriodSeconds null for the pod's own
 */
public record EvictionRequest(PodRef pod, String nodeName, Integer gracePeriodSeconds, boolean waitWhileBlocked) {}
