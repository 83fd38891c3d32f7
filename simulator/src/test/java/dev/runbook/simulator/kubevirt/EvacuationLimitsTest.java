package dev.runbook.simulator.kubevirt;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.SimAnnotations;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class EvacuationLimitsTest {
  private static final Set<String> ACTIVE =
      Set.of("Scheduling", "Scheduled", "PreparingTarget", "TargetReady", "Running");

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

  @Test
  @DisplayName("five VMs evacuated from one node migrate at most two at a time (parallelOutboundMigrationsPerNode)")
  void perNodeLimit() {
    List<String> vms = List.of("vm-a", "vm-b", "vm-c", "vm-d", "vm-e");
    for (String vm : vms) {
      cluster.vm(vm, KubeVirt.ALWAYS, KubeVirt.LIVE_MIGRATE, "disk-shared",
          Map.of(SimAnnotations.MIGRATION_SECONDS, "20"));
    }
    await().atMost(Duration.ofSeconds(15)).until(() -> vms.stream().allMatch(vm -> {
      Vmi vmi = cluster.vmi(vm);
      return vmi != null && vmi.isRunning() && vmi.migratable();
    }));
    cluster.node("worker-2");
    cluster.node("worker-3");
    cluster.cordon("worker-1");

    Map<String, String> phases = new ConcurrentHashMap<>();
    AtomicInteger maxActive = new AtomicInteger();
    try (Watch watch = KubeVirt.migrations(cluster.client).inNamespace(TestCluster.NS).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, GenericKubernetesResource resource) {
        Vmim m = new Vmim(resource);
        phases.put(m.uid(), m.phase());
        maxActive.accumulateAndGet((int) phases.values().stream().filter(ACTIVE::contains).count(), Math::max);
      }

      @Override
      public void onClose(WatcherException cause) {}
    })) {
      for (String vm : vms) {
        assertEquals(429, cluster.evict(cluster.launcher(vm)).orElseThrow().code());
      }

      await().atMost(Duration.ofSeconds(30)).until(() ->
          vms.stream().allMatch(vm -> !"worker-1".equals(cluster.vmi(vm).nodeName())));
      assertNotNull(watch);
    }
    assertEquals(2, maxActive.get(), "two migrations ran side by side, never more");
    for (String vm : vms) {
      List<Vmim> migrations = cluster.migrations(vm);
      assertEquals(1, migrations.size());
      assertEquals(KubeVirt.SUCCEEDED, migrations.get(0).phase());
    }
    assertTrue(cluster.score.violations.isEmpty(), cluster.score.violations.toString());
  }

  @Test
  @DisplayName("a migration deleted while it runs is cancelled: its target pod goes and the VMI stays on its node")
  void deletedMigrationIsCancelled() {
    cluster.vm("slow", KubeVirt.ALWAYS, KubeVirt.LIVE_MIGRATE, "disk-shared",
        Map.of(SimAnnotations.MIGRATION_SECONDS, "600"));
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      Vmi vmi = cluster.vmi("slow");
      return vmi != null && vmi.isRunning() && vmi.migratable();
    });
    cluster.node("worker-2");
    // A migration asked for by hand (virtctl migrate), so no evacuation starts another one after the cancel.
    KubeVirt.migrations(cluster.client).inNamespace(TestCluster.NS).resource(new GenericKubernetesResourceBuilder()
        .withApiVersion(KubeVirt.API_VERSION).withKind("VirtualMachineInstanceMigration")
        .withNewMetadata().withName("move-slow").withNamespace(TestCluster.NS).endMetadata()
        .withAdditionalProperties(Map.of("spec", Map.of("vmiInstanceName", "slow")))
        .build()).create();
    await().atMost(Duration.ofSeconds(10)).until(() ->
        KubeVirt.RUNNING.equals(new Vmim(KubeVirt.migrations(cluster.client).inNamespace(TestCluster.NS)
            .withName("move-slow").get()).phase()));
    Vmi migrating = cluster.vmi("slow");
    assertEquals(2, cluster.launcherPods(migrating).size(), "source and target pods while it runs");
    assertEquals("Migrating", cluster.vmObject("slow").printableStatus());

    KubeVirt.migrations(cluster.client).inNamespace(TestCluster.NS).withName("move-slow").delete();

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Vmi vmi = cluster.vmi("slow");
      assertEquals("worker-1", vmi.nodeName());
      assertTrue(vmi.isRunning());
      assertEquals(1, cluster.launcherPods(vmi).size(), "the target pod is removed");
      assertEquals("worker-1", cluster.launcherPods(vmi).get(0).getSpec().getNodeName());
      assertEquals("Succeeded", vmi.migrationState().get("abortStatus"));
      assertEquals(true, vmi.migrationState().get("failed"));
    });
    assertNotNull(cluster.score.migrations.stream()
        .filter(m -> m.migration().equals("move-slow") && m.phase().equals("Cancelled")).findFirst().orElse(null));
    await().atMost(Duration.ofSeconds(5)).until(() -> "Running".equals(cluster.vmObject("slow").printableStatus()));
  }
}
