package dev.runbook.workflows.activities;

import dev.runbook.workflows.model.PodRef;
import java.util.List;

/** One entry per requested pod, in request order. */
public record EvictionBatchResult(List<PodEviction> evictions) {
  /**
   * @param result the attempt's outcome; null when the attempt failed, then {@code error} says why
   * @param retryable for a failed attempt: whether trying again may succeed (an API outage, a timeout), or the API
   *     refused it for good (the workflow then shows it as a blocker to escalate)
   */
  public record PodEviction(PodRef pod, EvictionResult result, String error, boolean retryable) {}
}
