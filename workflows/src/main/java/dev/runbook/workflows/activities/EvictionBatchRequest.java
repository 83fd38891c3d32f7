package dev.runbook.workflows.activities;

import dev.runbook.workflows.model.PodRef;
import java.util.List;

/**
 * Evict many pods of one node in one activity: for each, one attempt exactly as {@link EvictionRequest} with
 * {@code waitWhileBlocked} false, at most {@code parallelism} eviction calls in flight (the workflow's
 * maxConcurrentEvictions). One activity instead of one per pod keeps the history small (3 events for the whole
 * batch) and takes a workflow task per eviction off the drain's critical path.
 *
 * @param gracePeriodSeconds null for each pod's own
 */
public record EvictionBatchRequest(String nodeName, List<PodRef> pods, Integer gracePeriodSeconds, int parallelism) {}
