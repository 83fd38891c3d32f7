package dev.runbook.simulator.kubevirt;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.EvictionAdmitter;
import dev.runbook.simulator.SimAnnotations;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LiveMigrationTest {
  private TestCluster cluster;

  @BeforeEach
  void startCluster() {
    cluster = new TestCluster().running();
    cluster.node("worker-1");
    cluster.pvc("disk-shared", "ReadWriteMany");
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }

  /** Starts the VM on worker-1, then opens worker-2 and cordons worker-1 as a drain would. */
  private Pod runOnWorker1ThenCordon(String vm, Map<String, String> annotations) {
    cluster.vm(vm, KubeVirt.ALWAYS, KubeVirt.LIVE_MIGRATE, "disk-shared", annotations);
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      Vmi vmi = cluster.vmi(vm);
      return vmi != null && vmi.isRunning() && vmi.migratable();
    });
    cluster.node("worker-2");
    cluster.cordon("worker-1");
    return cluster.launcher(vm);
  }

  @Test
  @DisplayName("evicting a migratable LiveMigrate VM's launcher moves the guest to another node and leaves the source pod Completed")
  void evictionMigratesToAnotherNode() {
    Pod source = runOnWorker1ThenCordon("fedora", Map.of());

    Optional<EvictionAdmitter.Denial> denial = cluster.evict(source);

    assertEquals(429, denial.orElseThrow().code());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Vmi vmi = cluster.vmi("fedora");
      assertEquals("worker-2", vmi.nodeName());
      Map<String, Object> state = vmi.migrationState();
      assertEquals(true, state.get("completed"));
      assertEquals(false, state.get("failed"));
      assertEquals("worker-1", state.get("sourceNode"));
      assertEquals("worker-2", state.get("targetNode"));
      assertNotNull(state.get("startTimestamp"));
      assertNotNull(state.get("endTimestamp"));
      assertNull(vmi.evacuationNodeName());
      Pod completed = cluster.client.pods().inNamespace(TestCluster.NS).withName(source.getMetadata().getName()).get();
      assertEquals("Succeeded", completed.getStatus().getPhase(), "the source launcher pod exited");
      assertEquals("worker-1", completed.getSpec().getNodeName());
      assertTrue(completed.getStatus().getConditions().stream()
          .anyMatch(c -> "Ready".equals(c.getType()) && "False".equals(c.getStatus())));
    });
    await().atMost(Duration.ofSeconds(5)).until(() ->
        KubeVirt.SUCCEEDED.equals(cluster.migrations("fedora").get(0).phase()));
    Vmim migration = cluster.migrations("fedora").get(0);
    assertTrue(migration.name().startsWith("kubevirt-evacuation-"));
    assertEquals(
        java.util.List.of("Pending", "Scheduling", "Scheduled", "PreparingTarget", "TargetReady", "Running", "Succeeded"),
        migration.list("status", "phaseTransitionTimestamps").stream()
            .map(t -> ((Map<?, ?>) t).get("phase")).toList());
    assertEquals(migration.uid(), cluster.vmi("fedora").migrationState().get("migrationUid"));
    assertEquals("worker-2", cluster.launcher("fedora").getSpec().getNodeName());
    assertTrue(cluster.score.fatesOf("fedora").contains("migrated to worker-2"));
    assertTrue(cluster.score.violations.isEmpty(), cluster.score.violations.toString());
    await().atMost(Duration.ofSeconds(5)).until(() -> "Running".equals(cluster.vmObject("fedora").printableStatus()));
  }

  @Test
  @DisplayName("deleting the launcher of a live-migratable LiveMigrate VM instead of evicting it is a lost VM")
  void deletingMigratableLauncherIsAViolation() {
    Pod source = runOnWorker1ThenCordon("forced", Map.of());

    cluster.client.pods().inNamespace(TestCluster.NS).withName(source.getMetadata().getName()).delete();

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertEquals(1, cluster.score.violations.size(), cluster.score.violations.toString());
      assertEquals("vm-lost", cluster.score.violations.get(0).invariant());
      assertTrue(cluster.score.fatesOf("forced").contains("shut down on worker-1"));
    });
  }

  @Test
  @DisplayName("a migration that fails leaves the VM on its node and the evacuation controller retries with a new one")
  void failedMigrationIsRetried() {
    Pod source = runOnWorker1ThenCordon("flaky", Map.of(SimAnnotations.MIGRATION_FAILURES, "1"));

    cluster.evict(source);

    await().atMost(Duration.ofSeconds(10)).until(() ->
        cluster.migrations("flaky").stream().anyMatch(m -> KubeVirt.FAILED.equals(m.phase())));
    Vmim failed = cluster.migrations("flaky").stream()
        .filter(m -> KubeVirt.FAILED.equals(m.phase())).findFirst().orElseThrow();
    assertEquals(true, failed.map("status", "migrationState").get("failed"));
    assertEquals("worker-1", failed.sourceNode());
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      Vmi vmi = cluster.vmi("flaky");
      assertEquals("worker-2", vmi.nodeName());
      assertEquals(false, vmi.migrationState().get("failed"));
    });
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      var migrations = cluster.migrations("flaky");
      String phases = migrations.stream().map(m -> m.name() + "=" + m.phase()).toList().toString();
      assertEquals(2, migrations.size(), "one failed migration, one retry: " + phases);
      assertEquals(1, migrations.stream().filter(m -> KubeVirt.FAILED.equals(m.phase())).count(), phases);
      assertEquals(1, migrations.stream().filter(m -> KubeVirt.SUCCEEDED.equals(m.phase())).count(), phases);
    });
    // The failed attempt's target pod is gone; the source launcher stays, Completed, as KubeVirt leaves it.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      var pods = cluster.launcherPods(cluster.vmi("flaky"));
      assertEquals(1, pods.stream().filter(p -> !LauncherPods.isFinished(p)).count(), "one pod runs the guest");
      assertEquals(List.of(source.getMetadata().getUid()),
          pods.stream().filter(LauncherPods::isFinished).map(p -> p.getMetadata().getUid()).toList());
    });
    assertTrue(cluster.score.migrations.stream().anyMatch(m -> m.vmi().equals("flaky") && m.phase().equals("Failed")));
  }
}
