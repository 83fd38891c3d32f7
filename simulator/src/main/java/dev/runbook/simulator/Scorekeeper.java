package dev.runbook.simulator;

/**
 * Records what the simulated cluster decided, for tests and benchmarks to assert on, and the invariants it saw
 * broken. Thread-safe. The full record is served at {@code GET /sim/report} and printed on shutdown.
 */
public interface Scorekeeper {
  /** One answer of the eviction subresource. {@code pdb} is namespace/name or null. */
  void eviction(String namespace, String pod, String uid, int httpCode, String pdb, String message);

  /** A PDB decision: allowed (decremented disruptionsAllowed) or refused. */
  void pdbDecision(String pdbNamespace, String pdbName, String pod, boolean allowed, int disruptionsAllowedBefore);

  /** A migration changed phase (e.g. Succeeded, Failed), with source and target node. */
  void migration(String namespace, String vmi, String migration, String phase, String sourceNode, String targetNode);

  /** What became of a VM (e.g. "migrated to worker-2", "shut down", "restarted on worker-3", "stayed off"). */
  void vmFate(String namespace, String vm, String fate);

  /** An invariant was broken (a PDB overrun, a VM lost, a pod evicted after it was already replaced). */
  void violation(String invariant, String detail);
}
