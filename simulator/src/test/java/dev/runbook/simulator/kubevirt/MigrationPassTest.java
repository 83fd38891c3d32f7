package dev.runbook.simulator.kubevirt;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The migration controller is stopped and its passes run by hand, so what one pass does is seen exactly: a phase
 * that waits for nothing must not wait for another pass.
 */
class MigrationPassTest {
  private final MigrationController migrations = new MigrationController();
  private TestCluster cluster;

  @BeforeEach
  void startCluster() {
    cluster = new TestCluster().running(migrations);
    migrations.stop();
    cluster.node("worker-1");
    cluster.pvc("disk-shared", "ReadWriteMany");
    cluster.vm("fedora", KubeVirt.ALWAYS, KubeVirt.LIVE_MIGRATE, "disk-shared", Map.of());
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      Vmi vmi = cluster.vmi("fedora");
      return vmi != null && vmi.isRunning() && vmi.migratable();
    });
    cluster.node("worker-2");
    cluster.cordon("worker-1");
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }

  @Test
  @DisplayName("one pass takes a new migration with a free slot through Pending to Scheduling, creating its target pod")
  void newMigrationIsScheduledInOnePass() {
    createMigration("move-fedora");

    migrations.reconcile();

    Vmim migration = cluster.migrations("fedora").get(0);
    assertEquals(List.of("Pending", "Scheduling"), phases(migration));
    assertEquals(migration.targetPod(), targetPod(migration).getMetadata().getName());
  }

  @Test
  @DisplayName("once the target pod runs, one pass takes the migration through Scheduled, PreparingTarget and TargetReady to Running")
  void readyTargetReachesRunningInOnePass() {
    createMigration("move-fedora");
    migrations.reconcile();
    Vmim scheduling = cluster.migrations("fedora").get(0);
    await().atMost(Duration.ofSeconds(10)).until(() -> LauncherPods.isReady(targetPod(scheduling)));

    migrations.reconcile();

    assertEquals(
        List.of("Pending", "Scheduling", "Scheduled", "PreparingTarget", "TargetReady", "Running"),
        phases(cluster.migrations("fedora").get(0)));
    assertEquals("worker-1", cluster.vmi("fedora").nodeName(), "the guest moves only when the migration time is up");
  }

  private void createMigration(String name) {
    String yaml = """
        apiVersion: kubevirt.io/v1
        kind: VirtualMachineInstanceMigration
        metadata: {name: %s, namespace: %s}
        spec: {vmiInstanceName: fedora}
        """.formatted(name, TestCluster.NS);
    KubeVirt.migrations(cluster.client).inNamespace(TestCluster.NS)
        .resource(Serialization.unmarshal(yaml, GenericKubernetesResource.class)).create();
  }

  private Pod targetPod(Vmim migration) {
    return cluster.client.pods().inNamespace(TestCluster.NS).withName(migration.targetPod()).get();
  }

  private static List<String> phases(Vmim migration) {
    return migration.list("status", "phaseTransitionTimestamps").stream()
        .map(t -> String.valueOf(((Map<?, ?>) t).get("phase")))
        .toList();
  }
}
