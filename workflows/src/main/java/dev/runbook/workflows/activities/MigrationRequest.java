package dev.runbook.workflows.activities;

import dev.runbook.workflows.model.PodRef;

/**
 * Follow the VMI's {@code status.migrationState} until it runs on a node other than {@code sourceNode}.
 *
 * @param returnOnFailure return MIGRATION_FAILED after a failed migration (so the workflow can show it), rather
 *     than keep waiting for KubeVirt's retry
 * @param sourcePod the virt-launcher pod on {@code sourceNode}, or null
 * @param awaitSourceGoneSeconds after a successful migration, wait up to this long for {@code sourcePod} to be gone
 *     from the node (deleting it once it has finished, as KubeVirt leaves it Completed), and say so in
 *     {@link MigrationResult#sourcePodGone()}. 0 answers at once.
 */
public record MigrationRequest(
    String namespace,
    String vmiName,
    String sourceNode,
    boolean returnOnFailure,
    PodRef sourcePod,
    int awaitSourceGoneSeconds) {
  public MigrationRequest(String namespace, String vmiName, String sourceNode, boolean returnOnFailure) {
    this(namespace, vmiName, sourceNode, returnOnFailure, null, 0);
  }
}
