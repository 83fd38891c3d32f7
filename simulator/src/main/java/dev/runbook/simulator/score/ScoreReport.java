package dev.runbook.simulator.score;

import java.util.List;
import java.util.Map;

/** Everything the simulated cluster decided during a run, and the invariants it saw broken. */
public record ScoreReport(
    List<Eviction> evictions,
    List<PdbDecision> pdbDecisions,
    List<Migration> migrations,
    List<VmFate> vmFates,
    List<Violation> violations,
    Map<String, Long> evictionAnswersByCode) {

  public record Eviction(String at, String namespace, String pod, String uid, int code, String pdb, String message) {}

  public record PdbDecision(
      String at, String namespace, String pdb, String pod, boolean allowed, int disruptionsAllowedBefore) {}

  public record Migration(
      String at, String namespace, String vmi, String migration, String phase, String sourceNode,
      String targetNode) {}

  public record VmFate(String at, String namespace, String vm, String fate) {}

  public record Violation(String at, String invariant, String detail) {}

  public boolean clean() {
    return violations.isEmpty();
  }

  /** The human summary printed when the simulator stops. */
  public String summary() {
    StringBuilder s = new StringBuilder("simulator score\n");
    s.append("  evictions answered: ").append(evictions.size()).append(' ').append(evictionAnswersByCode).append('\n');
    long allowed = pdbDecisions.stream().filter(PdbDecision::allowed).count();
    s.append("  PDB decisions: ").append(pdbDecisions.size()).append(" (")
        .append(allowed).append(" allowed, ").append(pdbDecisions.size() - allowed).append(" refused)\n");
    s.append("  migrations: ").append(migrations.size()).append(" phase changes\n");
    for (VmFate fate : vmFates) {
      s.append("  vm ").append(fate.namespace()).append('/').append(fate.vm()).append(": ").append(fate.fate())
          .append('\n');
    }
    if (violations.isEmpty()) {
      s.append("  violations: none\n");
    } else {
      s.append("  VIOLATIONS: ").append(violations.size()).append('\n');
      for (Violation v : violations) {
        s.append("    ").append(v.invariant()).append(": ").append(v.detail()).append('\n');
      }
    }
    return s.toString();
  }
}
