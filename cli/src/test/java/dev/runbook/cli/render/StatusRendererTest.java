package dev.runbook.cli.render;

import static dev.runbook.cli.Expect.contains;
import static dev.runbook.cli.Expect.doesNotContain;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.runbook.workflows.model.Blocker;
import dev.runbook.workflows.model.BlockerKind;
import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.PodState;
import dev.runbook.workflows.model.Stage;
import dev.runbook.workflows.model.VmProgress;
import dev.runbook.workflows.model.VmState;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("StatusRenderer: a MaintenanceStatus in words")
class StatusRendererTest {
  private final StatusRenderer renderer = new StatusRenderer(SampleStatuses.NOW);

  @Test
  void showsStageNmoPhaseAndHowManyPodsAndVmsHaveMoved() {
    String text = renderer.render(SampleStatuses.draining());

    contains(
        text,
        "node worker-1 maintenance: firmware upgrade",
        "stage       DRAINING  (NMO phase Running)",
        // 20 pods to move (12 gone, 5 terminating, db-1 and two virt-launchers); two DaemonSet pods stay
        "pods        [############--------] 12/20 moved  (2 stay: DaemonSet / static pods)",
        // rhel migrated, win and scratch shut down: 3 of 5 VMs are off the node
        "vms         [############--------] 3/5 off the node");
  }

  @Test
  void tellsWhatEachVmDidPerItsEvictionAndRunStrategy() {
    String text = renderer.render(SampleStatuses.draining());

    contains(
        text,
        "vms/rhel     migrated → worker-2",
        "vms/fedora   live-migrating → worker-3 (migration Running) (1 failed attempt)",
        "vms/win      shut down (evictionStrategy None); runStrategy Always: KubeVirt restarts it on another node",
        "vms/scratch  shut down (evictionStrategy None); runStrategy Manual: stays off until someone starts it",
        "vms/legacy   blocked: not live-migratable: DisksNotLiveMigratable");
  }

  @Test
  void explainsEachBlockerInPlainWordsWithHowLongItHasBlocked() {
    String text = renderer.render(SampleStatuses.draining());

    contains(
        text,
        "blocked by\n",
        "default/db-1: PodDisruptionBudget default/db-pdb allows 0 disruptions; waiting for it to allow one (for 3m)",
        "vms/virt-launcher-legacy-def: VMI vms/legacy has evictionStrategy LiveMigrate but cannot live-migrate: "
            + "DisksNotLiveMigratable; it stays until escalated (the VM then stops) (for 3m)");
  }

  @Test
  void showsTheDeadlineRelativeToNow() {
    contains(renderer.render(SampleStatuses.draining()), "deadline    2026-11-28T03:20:00Z (in 10m)");
  }

  @Test
  void aBlockedDrainSaysWhichCommandsUnblockIt() {
    MaintenanceStatus s = SampleStatuses.draining();
    MaintenanceStatus blocked =
        SampleStatuses.status(Stage.DRAIN_BLOCKED, s.pods(), s.vms(), s.blockers(), "drain deadline passed", "2026-11-28T03:05:00Z");

    String text = renderer.render(blocked);

    contains(
        text,
        "last error  drain deadline passed",
        "(passed 5m ago)",
        "`runbook node escalate worker-1`",
        "`runbook node extend worker-1 --by 10m`",
        "`runbook node resume worker-1`");
  }

  @Test
  void aDrainedNodeSaysHowToEndTheMaintenance() {
    MaintenanceStatus drained =
        SampleStatuses.status(
            Stage.AWAITING_RESUME,
            List.of(SampleStatuses.pod("default", "web-1", "ReplicaSet/web", PodState.GONE)),
            List.of(),
            List.of(),
            null,
            null);

    String text = renderer.render(drained);

    contains(text, "AWAITING_RESUME", "[####################] 1/1 moved", "`runbook node resume worker-1`");
    doesNotContain(text, "blocked by", "deadline", "vms ");
  }

  @Test
  void everyBlockerKindReadsAsASentence() {
    assertEquals(
        "p/a: selected by more than one PodDisruptionBudget (pdb-1, pdb-2); the API server refuses to evict it until only one selects it",
        renderer.blockerLine(new Blocker("p/a", BlockerKind.MULTIPLE_PDBS, "pdb-1, pdb-2", null, null, null, 0)));
    assertEquals(
        "p/b: live migration of VM p/vm-b failed (target node out of memory); KubeVirt retries it",
        renderer.blockerLine(new Blocker("p/b", BlockerKind.MIGRATION_FAILED, "target node out of memory", null, null, "p/vm-b", 0)));
    assertEquals(
        "p/c: VM p/vm-c has evictionStrategy External; waiting for an external controller to move it",
        renderer.blockerLine(new Blocker("p/c", BlockerKind.VM_EXTERNAL_EVACUATION, null, null, null, "p/vm-c", 0)));
    assertEquals(
        "p/d: eviction failed: 403 forbidden; retrying",
        renderer.blockerLine(new Blocker("p/d", BlockerKind.EVICTION_ERROR, "403 forbidden", null, null, null, 0)));
    assertEquals(
        "p/f: VM p/vm-f cannot live-migrate and its evictionStrategy LiveMigrate does not allow shutting it down;"
            + " it stays until escalated (the VM then stops)",
        renderer.blockerLine(new Blocker("p/f", BlockerKind.VM_NOT_MIGRATABLE, null, null, null, "p/vm-f", 0)));
    assertEquals(
        "p/e: PodDisruptionBudget p/pdb allows 1 disruption; waiting for it to allow one",
        renderer.blockerLine(new Blocker("p/e", BlockerKind.POD_DISRUPTION_BUDGET, null, "p/pdb", 1, null, 0)));
  }

  @Test
  void withoutPerPodProgressTheBarFallsBackToNmoCounters() {
    MaintenanceStatus nmoOnly =
        new MaintenanceStatus(
            "worker-1", null, Stage.DRAINING, null, 25, 20, List.of("a/1", "a/2", "a/3", "a/4", "a/5", "a/6", "a/7", "a/8"),
            List.of(), 60, null, null, 0, null, null, false, null, null, null);

    contains(renderer.render(nmoOnly), "pods        [############--------] 12/20 moved");
  }

  @Test
  void progressBarsFillInProportion() {
    assertEquals("[--------------]", StatusRenderer.bar(0, 20, 14));
    assertEquals("[########------]", StatusRenderer.bar(12, 20, 14));
    assertEquals("[##############]", StatusRenderer.bar(20, 20, 14));
    assertEquals("[----]", StatusRenderer.bar(0, 0, 4));
  }

  @Test
  void aForceStoppedVmSaysItWasEscalated() {
    VmProgress vm = new VmProgress("vms", "db", "LiveMigrate", "Manual", false, false, VmState.FORCE_STOPPED, null, null, 0, null);

    assertEquals("force-stopped by escalation; runStrategy Manual: stays off until someone starts it", StatusRenderer.vmLine(vm));
  }
}
