package dev.runbook.workflows.activities;

import io.temporal.activity.ActivityInterface;

/** KubeVirt: follow live migrations, cancel evacuations. */
@ActivityInterface
public interface VirtualMachineActivities {
  /** Heartbeats the migration phase; resumes from the VMI's current state after a retry. */
  MigrationResult awaitMigration(MigrationRequest request);

  /** Idempotent; returns how many unfinished migrations it cancelled. */
  int cancelEvacuations(CancelEvacuationsRequest request);
}
