package dev.runbook.simulator.kubevirt;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What becomes of a VM whose launcher pod is evicted under evictionStrategy None, by run strategy. */
class RunStrategyTest {
  private TestCluster cluster;

  @BeforeEach
  void startCluster() {
    cluster = new TestCluster().running();
    cluster.node("worker-1");
    cluster.pvc("disk-local", "ReadWriteOnce");
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }

  private String runningVmiUid(String name) {
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      Vmi vmi = cluster.vmi(name);
      return vmi != null && vmi.isRunning();
    });
    return cluster.vmi(name).uid();
  }

  /** Evicts the VM's launcher (allowed under None) after opening worker-2 and cordoning worker-1. */
  private void evictFromWorker1(String name) {
    cluster.node("worker-2");
    cluster.cordon("worker-1");
    Pod launcher = cluster.launcher(name);
    assertTrue(cluster.evict(launcher).isEmpty(), "evictionStrategy None lets the eviction through");
  }

  @Test
  @DisplayName("runStrategy Always restarts a VM shut down by eviction on another node, as a new VMI of the same name")
  void alwaysRestarts() {
    cluster.vm("web-vm", KubeVirt.ALWAYS, KubeVirt.NONE, "disk-local", Map.of());
    String first = runningVmiUid("web-vm");

    evictFromWorker1("web-vm");

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Vmi vmi = cluster.vmi("web-vm");
      assertNotNull(vmi, "between the old VMI and its replacement");
      assertNotEquals(first, vmi.uid(), "a new VMI replaced the failed one");
      assertTrue(vmi.isRunning());
      assertEquals("worker-2", vmi.nodeName());
    });
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(
        java.util.List.of("shut down on worker-1", "restarted on worker-2"), cluster.score.fatesOf("web-vm")));
    assertTrue(cluster.score.violations.isEmpty(), cluster.score.violations.toString());
  }

  @Test
  @DisplayName("runStrategy RerunOnFailure restarts a VM shut down by eviction: the VMI ended Failed")
  void rerunOnFailureRestarts() {
    cluster.vm("batch-vm", KubeVirt.RERUN_ON_FAILURE, KubeVirt.NONE, "disk-local", Map.of());
    String first = runningVmiUid("batch-vm");

    evictFromWorker1("batch-vm");

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Vmi vmi = cluster.vmi("batch-vm");
      assertNotNull(vmi, "between the old VMI and its replacement");
      assertNotEquals(first, vmi.uid());
      assertTrue(vmi.isRunning());
    });
  }

  @Test
  @DisplayName("runStrategy Manual leaves a VM shut down by eviction off, its VMI Failed and the VM Stopped")
  void manualStaysOff() {
    cluster.vm("db-vm", KubeVirt.MANUAL, KubeVirt.NONE, "disk-local", Map.of());
    // Manual never starts a VM by itself; `virtctl start` would create its VMI, as the test does here.
    KubeVirt.vmis(cluster.client).inNamespace(TestCluster.NS).resource(new GenericKubernetesResourceBuilder()
        .withApiVersion(KubeVirt.API_VERSION).withKind("VirtualMachineInstance")
        .withNewMetadata().withName("db-vm").withNamespace(TestCluster.NS).endMetadata()
        .withAdditionalProperties(Map.of("spec", cluster.vmObject("db-vm").template().get("spec")))
        .build()).create();
    String first = runningVmiUid("db-vm");
    await().atMost(Duration.ofSeconds(5)).until(() -> cluster.vmi("db-vm").ownerVm() != null);

    evictFromWorker1("db-vm");

    await().atMost(Duration.ofSeconds(10)).until(() -> KubeVirt.FAILED.equals(cluster.vmi("db-vm").phase()));
    // Twenty simulated seconds: a restart would have happened well within them.
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
      Vmi vmi = cluster.vmi("db-vm");
      assertEquals(first, vmi.uid());
      assertEquals(KubeVirt.FAILED, vmi.phase());
    });
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertEquals("Stopped", cluster.vmObject("db-vm").printableStatus());
      assertEquals(java.util.List.of("shut down on worker-1", "stayed off (runStrategy Manual)"),
          cluster.score.fatesOf("db-vm"));
    });
  }

  @Test
  @DisplayName("runStrategy Halted keeps a VM without a VMI, and the legacy spec.running true starts one")
  void haltedAndLegacyRunning() {
    cluster.vm("off-vm", KubeVirt.HALTED, KubeVirt.NONE, "disk-local", Map.of());
    cluster.legacyVm("legacy-vm", true, KubeVirt.NONE, "disk-local");
    cluster.legacyVm("legacy-off-vm", false, KubeVirt.NONE, "disk-local");
    runningVmiUid("legacy-vm");
    await().atMost(Duration.ofSeconds(5)).until(() -> "Stopped".equals(cluster.vmObject("off-vm").printableStatus()));
    assertEquals(null, cluster.vmi("off-vm"));
    assertEquals(null, cluster.vmi("legacy-off-vm"));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertEquals("Running", cluster.vmObject("legacy-vm").printableStatus());
      assertEquals(KubeVirt.ALWAYS, cluster.vmObject("legacy-vm").string("status", "runStrategy"));
      assertEquals(KubeVirt.HALTED, cluster.vmObject("legacy-off-vm").string("status", "runStrategy"));
    });
  }
}
