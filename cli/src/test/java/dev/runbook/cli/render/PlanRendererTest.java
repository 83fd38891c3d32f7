package dev.runbook.cli.render;

import static dev.runbook.cli.Expect.contains;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.runbook.workflows.activities.DrainPlan;
import dev.runbook.workflows.activities.PlannedPod;
import dev.runbook.workflows.activities.PlannedVm;
import dev.runbook.workflows.activities.PodAction;
import dev.runbook.workflows.model.PodRef;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("PlanRenderer: a drain plan as a table and a verdict")
class PlanRendererTest {
  static PlannedPod planned(String ns, String name, String owner, PodAction action, List<String> pdbs, PlannedVm vm, String reason) {
    return new PlannedPod(new PodRef(ns, name, "uid-" + name), owner, "Running", false, pdbs, vm, action, reason);
  }

  static DrainPlan feasiblePlan() {
    PlannedVm rhel = new PlannedVm("vms", "rhel", "rhel", "LiveMigrate", "Always", true, null);
    PlannedVm win = new PlannedVm("vms", "win", "win", "None", "Always", false, "DisksNotLiveMigratable");
    return new DrainPlan(
        "worker-1",
        List.of(
            planned("default", "web-1", "ReplicaSet/web-7f9c", PodAction.EVICT, List.of(), null, "managed by ReplicaSet/web-7f9c"),
            planned("default", "db-1", "StatefulSet/db", PodAction.EVICT, List.of("default/db-pdb"), null, "managed by StatefulSet/db"),
            planned("vms", "virt-launcher-rhel-x", "VirtualMachineInstance/rhel", PodAction.MIGRATE_VM, List.of("vms/kubevirt-disruption-budget-1"), rhel, "LiveMigrate, migratable"),
            planned("vms", "virt-launcher-win-y", "VirtualMachineInstance/win", PodAction.EVICT_VM_SHUTDOWN, List.of(), win, "evictionStrategy None: shut down, runStrategy Always restarts it"),
            planned("kube-system", "node-exporter-z", "DaemonSet/node-exporter", PodAction.SKIP_DAEMONSET, List.of(), null, "DaemonSet pod, ignored")));
  }

  @Test
  void listsEveryPodWithOwnerActionPdbsAndReason() {
    String text = PlanRenderer.render(feasiblePlan());

    contains(text, "drain plan for node worker-1 (nothing was changed)");
    List<String> lines = text.lines().toList();
    assertEquals("POD                          OWNER                        ACTION            PDBS                              REASON", lines.get(2));
    contains(
        text,
        "default/db-1                 StatefulSet/db               evict             default/db-pdb                    managed by StatefulSet/db",
        "vms/virt-launcher-rhel-x     VirtualMachineInstance/rhel  live-migrate VM   vms/kubevirt-disruption-budget-1  LiveMigrate, migratable",
        "kube-system/node-exporter-z  DaemonSet/node-exporter      skip (DaemonSet)  -                                 DaemonSet pod, ignored");
  }

  @Test
  void aFeasiblePlanIsSummedUpByTreatment() {
    assertEquals(
        "feasible: 2 evicted, 1 VM live-migrated, 1 VM shut down, 1 DaemonSet pod stays",
        PlanRenderer.verdict(feasiblePlan()));
  }

  @Test
  void anInfeasiblePlanNamesTheRefusedPods() {
    DrainPlan plan =
        new DrainPlan(
            "worker-1",
            List.of(
                planned("default", "web-1", "ReplicaSet/web", PodAction.EVICT, List.of(), null, "managed"),
                planned("default", "scratch", null, PodAction.REFUSE, List.of(), null, "unmanaged pod: allowed only with force (drop --no-force)")));

    String text = PlanRenderer.render(plan);

    contains(
        text,
        "default/scratch  (none)          REFUSED  -     unmanaged pod: allowed only with force (drop --no-force)",
        "NOT feasible: a drain would be refused before touching the node because of [default/scratch]");
  }

  @Test
  void aVmThatWillBlockIsCalledOut() {
    PlannedVm db = new PlannedVm("vms", "db", "db", "LiveMigrate", "Always", false, "DisksNotLiveMigratable");
    DrainPlan plan =
        new DrainPlan("worker-1", List.of(planned("vms", "virt-launcher-db", "VirtualMachineInstance/db", PodAction.VM_BLOCKED, List.of(), db, "LiveMigrate but not migratable")));

    assertEquals("feasible: nothing to move; 1 VM blocks the drain until escalated (see REASON)", PlanRenderer.verdict(plan));
  }

  @Test
  void anEmptyNodeSaysSo() {
    contains(PlanRenderer.render(new DrainPlan("worker-9", List.of())), "no pods on the node", "feasible: nothing to move");
  }
}
