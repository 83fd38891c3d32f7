package dev.runbook.workflows.activities;

import dev.runbook.workflows.model.PodRef;
import java.util.List;

/**
 * Wait until the pods are gone from the node: NotFound, a different UID under the name, or moved off the node.
 *
 * @param returnAfterSeconds return early (with what is gone so far) after this long, so the workflow can show
 *     progress; 0 waits for all
 */
public record AwaitPodsGoneRequest(String nodeName, List<PodRef> pods, int returnAfterSeconds) {}
