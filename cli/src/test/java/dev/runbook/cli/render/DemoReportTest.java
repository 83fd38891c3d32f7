package dev.runbook.cli.render;

import static dev.runbook.cli.Expect.contains;
import static dev.runbook.cli.Expect.doesNotContain;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.PodProgress;
import dev.runbook.workflows.model.PodState;
import dev.runbook.workflows.model.Stage;
import dev.runbook.workflows.model.VmProgress;
import dev.runbook.workflows.model.VmState;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("DemoReport: what the demo's maintenance did, from the final status and the simulator's report")
class DemoReportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static MaintenanceStatus completed() {
    List<PodProgress> pods =
        List.of(
            SampleStatuses.pod("default", "web-7f9c-a", "ReplicaSet/web-7f9c", PodState.GONE),
            SampleStatuses.pod("default", "web-7f9c-b", "ReplicaSet/web-7f9c", PodState.GONE),
            SampleStatuses.pod("default", "db-0", "StatefulSet/db", PodState.GONE),
            SampleStatuses.pod("default", "scratch", null, PodState.GONE),
            SampleStatuses.launcher("vms", "virt-launcher-rhel-x", "rhel", PodState.GONE),
            SampleStatuses.launcher("vms", "virt-launcher-win-y", "win", PodState.GONE),
            SampleStatuses.launcher("vms", "virt-launcher-lab-z", "lab", PodState.GONE),
            SampleStatuses.pod("kube-system", "node-exporter-q", "DaemonSet/node-exporter", PodState.SKIPPED));
    List<VmProgress> vms =
        List.of(
            new VmProgress("vms", "rhel", "LiveMigrate", "Always", true, true, VmState.MIGRATED, null, "Succeeded", 1, null),
            new VmProgress("vms", "win", "None", "Always", false, true, VmState.SHUT_DOWN, null, null, 0, null),
            new VmProgress("vms", "lab", "LiveMigrateIfPossible", "Manual", false, false, VmState.SHUT_DOWN, null, null, 0, null));
    return SampleStatuses.status(Stage.COMPLETED, pods, vms, List.of(), null, null);
  }

  private static JsonNode simReport(String violations) throws Exception {
    return JSON.readTree(
        """
        {
          "evictions": [
            {"namespace": "default", "pod": "db-0", "uid": "u", "code": 429, "pdb": "default/db-pdb", "message": "budget"},
            {"namespace": "default", "pod": "db-0", "uid": "u", "code": 201, "pdb": "default/db-pdb", "message": ""},
            {"namespace": "default", "pod": "web-7f9c-a", "uid": "u", "code": 201},
            {"namespace": "default", "pod": "web-7f9c-b", "uid": "u", "code": 201},
            {"namespace": "vms", "pod": "virt-launcher-rhel-x", "uid": "u", "code": 429, "message": "evacuation started"}
          ],
          "migrations": [
            {"namespace": "vms", "vmi": "rhel", "migration": "m1", "phase": "Failed", "sourceNode": "worker-1", "targetNode": "worker-3"},
            {"namespace": "vms", "vmi": "rhel", "migration": "m2", "phase": "Succeeded", "sourceNode": "worker-1", "targetNode": "worker-2"}
          ],
          "vmFates": [
            {"namespace": "vms", "vm": "rhel", "fate": "migrated to worker-2"},
            {"namespace": "vms", "vm": "win", "fate": "shut down"},
            {"namespace": "vms", "vm": "win", "fate": "restarted on worker-3"},
            {"namespace": "vms", "vm": "lab", "fate": "stayed off"}
          ],
          "pods": [
            {"namespace": "default", "name": "web-7f9c-c", "node": "worker-2", "owner": "ReplicaSet/web-7f9c"},
            {"namespace": "default", "name": "web-7f9c-d", "node": "worker-3", "owner": "ReplicaSet/web-7f9c"},
            {"namespace": "default", "name": "db-0", "node": "worker-3", "owner": "StatefulSet/db"},
            {"namespace": "default", "name": "db-1", "node": "worker-2", "owner": "StatefulSet/db"},
            {"namespace": "kube-system", "name": "node-exporter-q", "node": "worker-1", "owner": "DaemonSet/node-exporter"}
          ],
          "violations": %s
        }
        """
            .formatted(violations));
  }

  @Test
  void tellsWherePodsWentWhichVmsMigratedAndWhatBecameOfTheShutDownOnes() throws Exception {
    String text = new DemoReport(completed(), simReport("[]")).render();

    contains(
        text,
        "What happened to node worker-1: maintenance COMPLETED",
        "Pods moved (evicted; their controllers started them elsewhere)",
        "default/web-7f9c-a  ReplicaSet/web-7f9c  on worker-2, worker-3",
        "default/db-0        StatefulSet/db       recreated as db-0 on worker-3",
        "default/scratch     (none)               gone (no controller recreates it)",
        "VMs live-migrated",
        "vms/rhel  worker-2  Succeeded after 1 failed attempt(s)",
        "VMs shut down, then handled per run strategy",
        "vms/win  None                   Always        restarted on worker-3",
        "vms/lab  LiveMigrateIfPossible  Manual        stayed off",
        "Stayed on the node",
        "kube-system/node-exporter-q  DaemonSet/node-exporter  DaemonSet pod, ignored by the drain",
        "5 eviction requests answered: 3 allowed, 1 refused by PodDisruptionBudgets (429), 1 answered by KubeVirt starting an evacuation (429)",
        "invariants: none broken");
    doesNotContain(text, "virt-launcher", "did not leave");
  }

  @Test
  void aCleanRunIsACompletedMaintenanceWithNoBrokenInvariant() throws Exception {
    assertTrue(new DemoReport(completed(), simReport("[]")).clean());
  }

  @Test
  void brokenInvariantsAreListedAndMakeTheRunUnclean() throws Exception {
    DemoReport report =
        new DemoReport(completed(), simReport("[{\"invariant\": \"pdb-overrun\", \"detail\": \"default/db-pdb went to -1\"}]"));

    contains(report.render(), "invariants BROKEN:", "pdb-overrun: default/db-pdb went to -1");
    assertFalse(report.clean());
  }

  @Test
  void withoutASimulatorReportItStillTellsTheWorkflowsSide() {
    String text = new DemoReport(completed(), null).render();

    contains(
        text,
        "default/web-7f9c-a  ReplicaSet/web-7f9c  (placement not reported)",
        "vms/rhel  another node  Succeeded after 1 failed attempt(s)",
        "vms/win  None                   Always        restarted elsewhere by KubeVirt",
        "vms/lab  LiveMigrateIfPossible  Manual        stays off until started by hand");
  }

  @Test
  void aFailedMaintenanceIsNotCleanAndSaysWhy() throws Exception {
    MaintenanceStatus failed =
        SampleStatuses.status(Stage.FAILED, completed().pods(), completed().vms(), List.of(), "lease held by another operator", null);

    DemoReport report = new DemoReport(failed, simReport("[]"));

    contains(report.render(), "maintenance FAILED (lease held by another operator)");
    assertFalse(report.clean());
  }
}
