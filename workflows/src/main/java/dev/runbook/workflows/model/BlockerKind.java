package dev.runbook.workflows.model;

/** Why a pod is still on the node. */
public enum BlockerKind {
  /** A PodDisruptionBudget answers 429: {@code disruptionsAllowed} is 0. */
  POD_DISRUPTION_BUDGET,
  /** Several PDBs select the pod: the API server refuses the eviction (500) until that is fixed. */
  MULTIPLE_PDBS,
  /** A VM under {@code evictionStrategy: LiveMigrate} that KubeVirt says cannot live-migrate. */
  VM_NOT_MIGRATABLE,
  /** A live migration of the VM failed; KubeVirt retries it. */
  MIGRATION_FAILED,
  /** A VM under {@code evictionStrategy: External}: something outside KubeVirt must move it. */
  VM_EXTERNAL_EVACUATION,
  /** Any other eviction error the API server returned. */
  EVICTION_ERROR
}
