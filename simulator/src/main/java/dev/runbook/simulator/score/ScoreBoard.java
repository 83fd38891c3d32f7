package dev.runbook.simulator.score;

import dev.runbook.simulator.Scorekeeper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The in-memory {@link Scorekeeper}: append-only lists, read as one consistent {@link ScoreReport}. */
public final class ScoreBoard implements Scorekeeper {
  private final List<ScoreReport.Eviction> evictions = new ArrayList<>();
  private final List<ScoreReport.PdbDecision> pdbDecisions = new ArrayList<>();
  private final List<ScoreReport.Migration> migrations = new ArrayList<>();
  private final List<ScoreReport.VmFate> vmFates = new ArrayList<>();
  private final List<ScoreReport.Violation> violations = new ArrayList<>();

  private static String now() {
    return Instant.now().toString();
  }

  @Override
  public synchronized void eviction(
      String namespace, String pod, String uid, int httpCode, String pdb, String message) {
    evictions.add(new ScoreReport.Eviction(now(), namespace, pod, uid, httpCode, pdb, message));
  }

  @Override
  public synchronized void pdbDecision(
      String pdbNamespace, String pdbName, String pod, boolean allowed, int disruptionsAllowedBefore) {
    pdbDecisions.add(
        new ScoreReport.PdbDecision(now(), pdbNamespace, pdbName, pod, allowed, disruptionsAllowedBefore));
  }

  @Override
  public synchronized void migration(
      String namespace, String vmi, String migration, String phase, String sourceNode, String targetNode) {
    migrations.add(new ScoreReport.Migration(now(), namespace, vmi, migration, phase, sourceNode, targetNode));
  }

  @Override
  public synchronized void vmFate(String namespace, String vm, String fate) {
    vmFates.add(new ScoreReport.VmFate(now(), namespace, vm, fate));
  }

  @Override
  public synchronized void violation(String invariant, String detail) {
    violations.add(new ScoreReport.Violation(now(), invariant, detail));
  }

  public synchronized ScoreReport report() {
    Map<String, Long> byCode =
        evictions.stream()
            .collect(
                Collectors.groupingBy(e -> String.valueOf(e.code()), TreeMap::new, Collectors.counting()));
    return new ScoreReport(
        List.copyOf(evictions), List.copyOf(pdbDecisions), List.copyOf(migrations), List.copyOf(vmFates),
        List.copyOf(violations), byCode);
  }

}
