package dev.runbook.workflows.activities;

/**
 * Follow the VMI's {@code status.migrationState} until it runs on a node other than {@code sourceNode}.
 *
 * @param returnOnFailure return MIGRATION_FAILED after a failed migration (so the workflow can show it), rather
 *     than keep waiting for KubeVirt's retry
 */
public record MigrationRequest(String namespace, String vmiName, String sourceNode, boolean returnOnFailure) {}
