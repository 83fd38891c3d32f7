package dev.runbook.workflows.activities;

/**
 * @param outcome MIGRATED, MIGRATION_FAILED (KubeVirt will retry while the evacuation stands), or VMI_GONE (the VMI
 *     was deleted or shut down instead)
 * @param sourcePodGone MIGRATED only: the request's source pod is gone from the node as well
 */
public record MigrationResult(
    Outcome outcome,
    String targetNode,
    String migrationName,
    String message,
    int failedMigrations,
    boolean sourcePodGone) {
  public MigrationResult(Outcome outcome, String targetNode, String migrationName, String message, int failedMigrations) {
    this(outcome, targetNode, migrationName, message, failedMigrations, false);
  }

  public enum Outcome {
    MIGRATED,
    MIGRATION_FAILED,
    VMI_GONE
  }
}
