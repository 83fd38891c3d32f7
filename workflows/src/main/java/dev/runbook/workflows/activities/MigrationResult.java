package dev.runbook.workflows.activities;

/**
 * @param outcome MIGRATED, MIGRATION_FAILED (KubeVirt will retry while the evacuation stands), or VMI_GONE (the VMI
 *     was deleted or shut down instead)
 */
public record MigrationResult(Outcome outcome, String targetNode, String migrationName, String message, int failedMigrations) {
  public enum Outcome {
    MIGRATED,
    MIGRATION_FAILED,
    VMI_GONE
  }
}
