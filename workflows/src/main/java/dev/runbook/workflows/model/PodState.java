package dev.runbook.workflows.model;

public enum PodState {
  /** Planned, not yet acted on. */
  PENDING,
  /** Not touched by the drain: a DaemonSet pod (ignored) or a mirror (static) pod. */
  SKIPPED,
  /** An eviction request is in flight. */
  EVICTING,
  /** The eviction was refused; see the pod's blocker. */
  BLOCKED,
  /** Evicted (or deleted); waiting for the kubelet to finish terminating it. */
  TERMINATING,
  /** The VM in this virt-launcher pod is live-migrating away. */
  MIGRATING,
  /** The pod is gone from the node (NotFound, or its name now belongs to a new UID). */
  GONE
}
