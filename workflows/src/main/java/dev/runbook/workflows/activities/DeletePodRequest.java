package dev.runbook.workflows.activities;

import dev.runbook.workflows.model.PodRef;

/**
 * Delete a pod directly, bypassing the Eviction API (finished pods; operator escalation). A pod that is gone or has
 * a new UID is success.
 */
public record DeletePodRequest(PodRef pod, Integer gracePeriodSeconds, String reason) {}
