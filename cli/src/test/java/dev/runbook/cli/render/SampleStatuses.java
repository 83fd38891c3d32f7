package dev.runbook.cli.render;

import dev.runbook.workflows.model.Blocker;
import dev.runbook.workflows.model.BlockerKind;
import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.Phase;
import dev.runbook.workflows.model.PodProgress;
import dev.runbook.workflows.model.PodState;
import dev.runbook.workflows.model.Stage;
import dev.runbook.workflows.model.VmProgress;
import dev.runbook.workflows.model.VmState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** MaintenanceStatus records as the workflow reports them at interesting moments. */
final class SampleStatuses {
  static final Instant NOW = Instant.parse("2026-11-28T03:10:00Z");

  private SampleStatuses() {}

  static PodProgress pod(String ns, String name, String owner, PodState state) {
    return new PodProgress(ns, name, "uid-" + name, owner, "EVICT", state, null, null);
  }

  static PodProgress launcher(String ns, String name, String vm, PodState state) {
    return new PodProgress(ns, name, "uid-" + name, "VirtualMachineInstance/" + vm, "MIGRATE_VM", state, ns + "/" + vm, null);
  }

  static MaintenanceStatus status(Stage stage, List<PodProgress> pods, List<VmProgress> vms, List<Blocker> blockers, String lastError, String deadline) {
    List<String> pending = new ArrayList<>();
    int eviction = 0;
    for (PodProgress p : pods) {
      if (p.state() != PodState.SKIPPED) {
        eviction++;
        if (p.state() != PodState.GONE) {
          pending.add(p.key());
        }
      }
    }
    Phase phase = stage == Stage.COMPLETED ? Phase.Succeeded : stage.isFinal() ? Phase.Failed : Phase.Running;
    return new MaintenanceStatus(
        "worker-1", "firmware upgrade", stage, phase, pods.size(), eviction, pending, List.of(),
        eviction == 0 ? 100 : 100 * (eviction - pending.size()) / eviction, lastError, "2026-11-28T03:09:58Z", 0, false,
        deadline, stage == Stage.DRAIN_BLOCKED, pods, vms, blockers);
  }

  /** Mid-drain: 12 of 20 pods gone, a PDB holding db-1 for 3 minutes, VMs in every state. */
  static MaintenanceStatus draining() {
    List<PodProgress> pods = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      pods.add(pod("default", "web-" + i, "ReplicaSet/web-7f9c", PodState.GONE));
    }
    for (int i = 12; i < 17; i++) {
      pods.add(pod("default", "web-" + i, "ReplicaSet/web-7f9c", PodState.TERMINATING));
    }
    pods.add(pod("default", "db-1", "StatefulSet/db", PodState.BLOCKED));
    pods.add(launcher("vms", "virt-launcher-fedora-abc", "fedora", PodState.MIGRATING));
    pods.add(launcher("vms", "virt-launcher-legacy-def", "legacy", PodState.BLOCKED));
    pods.add(pod("kube-system", "node-exporter-x", "DaemonSet/node-exporter", PodState.SKIPPED));
    pods.add(pod("kube-system", "kube-proxy-x", "DaemonSet/kube-proxy", PodState.SKIPPED));
    List<VmProgress> vms =
        List.of(
            new VmProgress("vms", "rhel", "LiveMigrate", "Always", true, true, VmState.MIGRATED, "worker-2", "Succeeded", 0, null),
            new VmProgress("vms", "fedora", "LiveMigrate", "Always", true, true, VmState.MIGRATING, "worker-3", "Running", 1, null),
            new VmProgress("vms", "win", "None", "Always", false, true, VmState.SHUT_DOWN, null, null, 0, null),
            new VmProgress("vms", "scratch", "None", "Manual", false, false, VmState.SHUT_DOWN, null, null, 0, null),
            new VmProgress("vms", "legacy", "LiveMigrate", "Always", false, true, VmState.BLOCKED, null, null, 0,
                "not live-migratable: DisksNotLiveMigratable (PVC rwo-disk is not shared, ReadWriteMany)"));
    long threeMinutesAgo = NOW.minusSeconds(180).toEpochMilli();
    List<Blocker> blockers =
        List.of(
            new Blocker("default/db-1", BlockerKind.POD_DISRUPTION_BUDGET, "Cannot evict pod as it would violate the pod's disruption budget.", "default/db-pdb", 0, null, threeMinutesAgo),
            new Blocker("vms/virt-launcher-legacy-def", BlockerKind.VM_NOT_MIGRATABLE, "VMI vms/legacy has evictionStrategy LiveMigrate but cannot live-migrate: DisksNotLiveMigratable", null, null, "vms/legacy", threeMinutesAgo));
    return status(Stage.DRAINING, pods, vms, blockers, null, "2026-11-28T03:20:00Z");
  }
}
