package dev.runbook.simulator.kubevirt;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class VirtualMachineInstanceControllerTest {
  private TestCluster cluster;

  /** Most tests start with a running cluster of one node; a few set things up before the controllers start. */
  @BeforeEach
  void startCluster(TestInfo test) {
    if (!test.getTags().contains("own-cluster")) {
      cluster = new TestCluster().running();
      cluster.node("worker-1");
    }
  }

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private Vmi awaitRunning(String name) {
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      Vmi vmi = cluster.vmi(name);
      return vmi != null && vmi.isRunning() && vmi.condition(KubeVirt.LIVE_MIGRATABLE) != null;
    });
    return cluster.vmi(name);
  }

  @Test
  @DisplayName("a VM's VMI runs in a virt-launcher pod shaped as KubeVirt makes it, and its phases follow the pod")
  void launcherPodAndPhases() {
    cluster.pvc("disk-shared", "ReadWriteMany");
    cluster.vm("fedora", KubeVirt.ALWAYS, KubeVirt.LIVE_MIGRATE, "disk-shared", Map.of());

    Vmi vmi = awaitRunning("fedora");

    assertEquals("worker-1", vmi.nodeName());
    assertEquals("worker-1", vmi.labels().get(KubeVirt.NODE_NAME_LABEL));
    assertEquals(KubeVirt.LIVE_MIGRATE, vmi.string("status", "evictionStrategy"));
    assertEquals("fedora", vmi.ownerVm());
    assertEquals(List.of("Pending", "Scheduling", "Scheduled", "Running"),
        vmi.list("status", "phaseTransitionTimestamps").stream().map(t -> ((Map<?, ?>) t).get("phase")).toList());
    Pod pod = cluster.launcher("fedora");
    assertTrue(pod.getMetadata().getName().matches("virt-launcher-fedora-[bcdfghjklmnpqrstvwxz2456789]{5}"),
        pod.getMetadata().getName());
    assertEquals("virt-launcher", pod.getMetadata().getLabels().get("kubevirt.io"));
    assertEquals(vmi.uid(), pod.getMetadata().getLabels().get("kubevirt.io/created-by"));
    assertEquals("fedora", pod.getMetadata().getLabels().get("vm.kubevirt.io/name"));
    assertEquals("fedora", pod.getMetadata().getAnnotations().get("kubevirt.io/domain"));
    OwnerReference owner = pod.getMetadata().getOwnerReferences().get(0);
    assertEquals("VirtualMachineInstance", owner.getKind());
    assertEquals(vmi.uid(), owner.getUid());
    assertEquals(true, owner.getController());
    assertEquals(List.of("disk-shared"), pod.getSpec().getVolumes().stream()
        .filter(v -> v.getPersistentVolumeClaim() != null)
        .map((Volume v) -> v.getPersistentVolumeClaim().getClaimName()).toList());
    assertEquals(Map.of(pod.getMetadata().getUid(), "worker-1"), vmi.activePods());
    assertEquals("True", vmi.condition(KubeVirt.LIVE_MIGRATABLE).get("status"));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      Vm vm = cluster.vmObject("fedora");
      assertEquals("Running", vm.printableStatus());
      assertEquals(true, vm.map("status").get("ready"));
      assertEquals(true, vm.map("status").get("created"));
    });
  }

  @Test
  @DisplayName("a VMI with a ReadWriteOnce PVC is not live-migratable, with KubeVirt's reason and message")
  void readWriteOnceDiskIsNotMigratable() {
    cluster.pvc("disk-local", "ReadWriteOnce");
    cluster.vm("pinned", KubeVirt.ALWAYS, KubeVirt.LIVE_MIGRATE, "disk-local", Map.of());

    Map<String, Object> condition = awaitRunning("pinned").condition(KubeVirt.LIVE_MIGRATABLE);

    assertEquals("False", condition.get("status"));
    assertEquals("DisksNotLiveMigratable", condition.get("reason"));
    assertEquals("cannot migrate VMI: PVC disk-local is not shared, live migration requires that all PVCs must be "
        + "shared (using ReadWriteMany access mode)", condition.get("message"));
  }

  @Test
  @DisplayName("a VMI placed by a scenario as already running on a node gets its launcher pod on that node")
  @Tag("own-cluster")
  void adoptsPrePlacedRunningVmi() {
    cluster = new TestCluster();
    cluster.node("worker-1");
    GenericKubernetesResource vmi = KubeVirt.vmis(cluster.client).inNamespace(TestCluster.NS).resource(
        new GenericKubernetesResourceBuilder()
            .withApiVersion(KubeVirt.API_VERSION).withKind("VirtualMachineInstance")
            .withNewMetadata().withName("legacy").withNamespace(TestCluster.NS).endMetadata()
            .withAdditionalProperties(Map.of("spec", Map.of("domain", Map.of())))
            .build()).create();
    cluster.node("worker-2");
    KubeVirt.patchStatus(KubeVirt.vmis(cluster.client).inNamespace(TestCluster.NS).withName("legacy"), vmi,
        Map.of("phase", "Running", "nodeName", "worker-2"));
    cluster.running();

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Vmi running = cluster.vmi("legacy");
      assertEquals(KubeVirt.RUNNING, running.phase());
      Pod pod = cluster.launcher("legacy");
      assertNotNull(pod);
      assertEquals("worker-2", pod.getSpec().getNodeName());
      assertEquals(Map.of(pod.getMetadata().getUid(), "worker-2"), running.activePods());
    });
  }

  @Test
  @DisplayName("a scenario's VM, running VMI and launcher pod are adopted as they are, without a second pod")
  @Tag("own-cluster")
  void adoptsPrePlacedVmVmiAndPod() {
    cluster = new TestCluster();
    cluster.node("worker-1");
    cluster.node("worker-2");
    cluster.pvc("disk-shared", "ReadWriteMany");
    GenericKubernetesResource vm =
        cluster.vm("placed", KubeVirt.ALWAYS, KubeVirt.LIVE_MIGRATE, "disk-shared", Map.of());
    GenericKubernetesResource vmi = KubeVirt.vmis(cluster.client).inNamespace(TestCluster.NS).resource(
        new GenericKubernetesResourceBuilder()
            .withApiVersion(KubeVirt.API_VERSION).withKind("VirtualMachineInstance")
            .withNewMetadata().withName("placed").withNamespace(TestCluster.NS).endMetadata()
            .withAdditionalProperties(Map.of("spec", new Vm(vm).template().get("spec")))
            .build()).create();
    KubeVirt.patchStatus(KubeVirt.vmis(cluster.client).inNamespace(TestCluster.NS).withName("placed"), vmi,
        Map.of("phase", "Running", "nodeName", "worker-2"));
    Pod scenarioPod = LauncherPods.launcher(new Vmi(vmi));
    scenarioPod.getMetadata().getLabels().put(KubeVirt.CREATED_BY_LABEL, "uid-unknown-to-the-scenario");
    scenarioPod.getMetadata().setOwnerReferences(List.of());
    scenarioPod.getSpec().setNodeName("worker-2");
    Pod placedPod = cluster.client.resource(scenarioPod).create();

    cluster.running();

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Vmi adopted = cluster.vmi("placed");
      assertEquals(new Vm(vm).uid(), adopted.controllerOwner().orElseThrow().getUid());
      List<Pod> pods = cluster.launcherPods(adopted);
      assertEquals(List.of(placedPod.getMetadata().getName()), pods.stream().map(p -> p.getMetadata().getName()).toList());
      assertEquals(adopted.uid(), pods.get(0).getMetadata().getOwnerReferences().get(0).getUid());
      assertEquals(KubeVirt.RUNNING, adopted.phase());
      assertEquals("worker-2", adopted.nodeName());
      assertTrue(adopted.migratable());
    });
  }

  @Test
  @DisplayName("a VM that should run but finds no node for its new VMI is reported lost")
  @Tag("own-cluster")
  void vmWithNowhereToRestartIsLost() {
    // Sped up so that VirtualMachineController.LOST_AFTER (5 simulated minutes) passes in about a second.
    cluster = new TestCluster(dev.runbook.simulator.SimSettings.defaults(), 300).running();
    cluster.node("worker-1");
    cluster.pvc("disk-local", "ReadWriteOnce");
    cluster.vm("stuck", KubeVirt.ALWAYS, KubeVirt.NONE, "disk-local", Map.of());
    awaitRunning("stuck");
    cluster.cordon("worker-1");

    assertTrue(cluster.evict(cluster.launcher("stuck")).isEmpty());

    await().atMost(Duration.ofSeconds(10)).until(() -> !cluster.score.violations.isEmpty());
    RecordingScorekeeper.Violation lost = cluster.score.violations.get(0);
    assertEquals("vm-lost", lost.invariant());
    assertTrue(lost.detail().contains("vms/stuck"), lost.detail());
  }
}
