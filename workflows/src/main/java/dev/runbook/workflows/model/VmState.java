package dev.runbook.workflows.model;

public enum VmState {
  PENDING,
  /** Evacuation triggered; a VirtualMachineInstanceMigration is moving it. */
  MIGRATING,
  /** Runs on another node now. */
  MIGRATED,
  /** Shut down by the eviction (evictionStrategy None, or LiveMigrateIfPossible without live migration). */
  SHUT_DOWN,
  /** Refused to leave; see the pod's blocker. */
  BLOCKED,
  /** Deleted by an operator escalation despite its eviction strategy. */
  FORCE_STOPPED
}
