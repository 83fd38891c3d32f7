package dev.runbook.workflows.model;

/**
 * One KubeVirt VM on the node.
 *
 * @param restartExpected whether KubeVirt restarts it elsewhere after a shutdown (runStrategy Always / RerunOnFailure)
 */
public record VmProgress(
    String namespace,
    String name,
    String evictionStrategy,
    String runStrategy,
    boolean liveMigratable,
    boolean restartExpected,
    VmState state,
    String targetNode,
    String migrationPhase,
    int failedMigrations,
    String detail) {
  public String key() {
    return namespace + "/" + name;
  }
}
