package dev.runbook.workflows.activities;

import io.temporal.activity.ActivityInterface;

/** Pods on the node: plan, evict, delete, wait for them to go. */
@ActivityInterface
public interface DrainActivities {
  /** Read-only: every pod on the node and the action for each. Fails NodeNotFound. */
  DrainPlan planDrain(DrainPlanRequest request);

  EvictionResult evictPod(EvictionRequest request);

  /** One attempt per pod, in parallel up to the request's parallelism; a failed attempt is reported, not thrown. */
  EvictionBatchResult evictPods(EvictionBatchRequest request);

  void deletePod(DeletePodRequest request);

  /** Heartbeats the remaining pods; resumes from its heartbeat details after a retry. */
  PodsGoneResult awaitPodsGone(AwaitPodsGoneRequest request);
}
