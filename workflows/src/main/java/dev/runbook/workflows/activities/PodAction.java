package dev.runbook.workflows.activities;

/** What the drain does with one pod, decided by the plan. */
public enum PodAction {
  /** DaemonSet pod, ignored (kubectl's --ignore-daemonsets). */
  SKIP_DAEMONSET,
  /** Static (mirror) pod: the API cannot remove it. */
  SKIP_MIRROR,
  /** Succeeded/Failed pod: deleted, nothing to disrupt. */
  DELETE_FINISHED,
  /** Evicted through the Eviction API (PDBs respected). */
  EVICT,
  /** A virt-launcher pod whose VM live-migrates away: the eviction triggers the evacuation. */
  MIGRATE_VM,
  /** A virt-launcher pod whose VM is shut down by the eviction (strategy None, or LiveMigrateIfPossible that cannot migrate). */
  EVICT_VM_SHUTDOWN,
  /** A virt-launcher pod that KubeVirt will refuse to evict (LiveMigrate, not migratable) or leaves to an external controller. */
  VM_BLOCKED,
  /** The pod blocks the plan under the options (emptyDir data, unmanaged, DaemonSet not ignored). */
  REFUSE
}
