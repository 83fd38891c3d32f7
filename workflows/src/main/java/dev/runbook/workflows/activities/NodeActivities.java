package dev.runbook.workflows.activities;

import io.temporal.activity.ActivityInterface;

/** The node: read, cordon, restore, events. Every method is idempotent. */
@ActivityInterface
public interface NodeActivities {
  /** The node, or {@code exists=false}. */
  NodeSnapshot getNode(String nodeName);

  /** Idempotent: a second call finds our annotation and changes nothing. Fails NodeNotFound. */
  CordonResult cordon(CordonRequest request);

  /** Idempotent; a missing node is success (nothing left to restore). */
  void restoreNode(RestoreNodeRequest request);

  void emitNodeEvent(NodeEventRequest request);
}
