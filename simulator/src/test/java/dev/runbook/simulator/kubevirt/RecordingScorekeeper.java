package dev.runbook.simulator.kubevirt;

import dev.runbook.simulator.Scorekeeper;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every record in memory, in order, for tests to assert on. */
final class RecordingScorekeeper implements Scorekeeper {
  record Migration(String namespace, String vmi, String migration, String phase, String sourceNode, String targetNode) {}

  record Fate(String namespace, String vm, String fate) {}

  record Violation(String invariant, String detail) {}

  final List<Migration> migrations = new CopyOnWriteArrayList<>();
  final List<Fate> fates = new CopyOnWriteArrayList<>();
  final List<Violation> violations = new CopyOnWriteArrayList<>();

  @Override
  public void eviction(String namespace, String pod, String uid, int httpCode, String pdb, String message) {}

  @Override
  public void pdbDecision(
      String pdbNamespace, String pdbName, String pod, boolean allowed, int disruptionsAllowedBefore) {}

  @Override
  public void migration(
      String namespace, String vmi, String migration, String phase, String sourceNode, String targetNode) {
    migrations.add(new Migration(namespace, vmi, migration, phase, sourceNode, targetNode));
  }

  @Override
  public void vmFate(String namespace, String vm, String fate) {
    fates.add(new Fate(namespace, vm, fate));
  }

  @Override
  public void violation(String invariant, String detail) {
    violations.add(new Violation(invariant, detail));
  }

  List<String> fatesOf(String vm) {
    return fates.stream().filter(f -> f.vm().equals(vm)).map(Fate::fate).toList();
  }
}
