package dev.runbook.workflows.activities;

/**
 * The KubeVirt VMI behind a virt-launcher pod.
 *
 * @param vmName the owning VirtualMachine, or null for a bare VMI
 * @param evictionStrategy LiveMigrate, LiveMigrateIfPossible, None or External (the cluster default applied)
 * @param runStrategy the VM's runStrategy (Always, RerunOnFailure, Manual, Halted, Once), or null for a bare VMI
 * @param liveMigratable the VMI's {@code LiveMigratable} condition
 * @param notMigratableReason KubeVirt's reason and message when not migratable
 */
public record PlannedVm(
    String namespace,
    String vmiName,
    String vmName,
    String evictionStrategy,
    String runStrategy,
    boolean liveMigratable,
    String notMigratableReason) {
  public String key() {
    return namespace + "/" + vmiName;
  }

  /** KubeVirt's VM controller starts the VM again elsewhere after a shutdown. */
  public boolean restartExpected() {
    return "Always".equals(runStrategy) || "RerunOnFailure".equals(runStrategy);
  }
}
