package dev.runbook.activities;

import static dev.runbook.activities.Fixtures.ONE_ATTEMPT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.activities.KubeVirtFixtures.VmSpec;
import dev.runbook.workflows.activities.DrainActivities;
import dev.runbook.workflows.activities.DrainPlan;
import dev.runbook.workflows.activities.DrainPlanRequest;
import dev.runbook.workflows.activities.Failures;
import dev.runbook.workflows.activities.PlannedPod;
import dev.runbook.workflows.activities.PodAction;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.temporal.failure.ActivityFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Drain plan: kubectl drain's filters and KubeVirt eviction strategies")
class DrainPlanTest {
  private static final DrainPlanRequest KUBECTL_DEFAULTS = new DrainPlanRequest("worker-1", true, true, true);
  private static final DrainPlanRequest NO_OPTIONS = new DrainPlanRequest("worker-1", false, false, false);

  private TestCluster cluster;
  private TestActivityEnvironment env;
  private DrainActivities drain;

  @BeforeEach
  void setUp() {
    cluster = new TestCluster();
    env = Fixtures.drainEnvironment(cluster, Duration.ofSeconds(5));
    drain = env.newActivityStub(DrainActivities.class, ONE_ATTEMPT);
    cluster.client.nodes().resource(Fixtures.node("worker-2")).create();
  }

  @AfterEach
  void tearDown() {
    env.close();
    cluster.close();
  }

  private void create(Pod pod) {
    Fixtures.create(cluster.client, pod);
  }

  private void createOrdinaryPods() {
    Fixtures.namespace(cluster.client, "monitoring");
    cluster.client.apps().daemonSets().inNamespace("monitoring").resource(
        new DaemonSetBuilder().withNewMetadata().withNamespace("monitoring").withName("node-exporter").endMetadata()
            .withNewSpec().withNewSelector().withMatchLabels(Map.of("app", "node-exporter")).endSelector()
            .withNewTemplate().withNewMetadata().withLabels(Map.of("app", "node-exporter")).endMetadata()
            .withNewSpec().addNewContainer().withName("c").withImage("i").endContainer().endSpec().endTemplate()
            .endSpec().build()).create();
    create(Fixtures.ownedBy(Fixtures.pod("monitoring", "node-exporter-abcde", "worker-1"), "DaemonSet", "node-exporter").build());
    create(
        Fixtures.ownedBy(Fixtures.pod("kube-system", "etcd-worker-1", "worker-1"), "Node", "worker-1")
            .editMetadata().addToAnnotations("kubernetes.io/config.mirror", "3f2a").endMetadata().build());
    create(
        Fixtures.ownedBy(Fixtures.pod("batch", "report-29871-q8x", "worker-1"), "Job", "report-29871")
            .editStatus().withPhase("Succeeded").endStatus().build());
    create(Fixtures.pod("default", "debug-shell", "worker-1").build());
    create(
        Fixtures.ownedBy(Fixtures.pod("default", "cache-5d8f-k2j4", "worker-1"), "ReplicaSet", "cache-5d8f")
            .editSpec().addToVolumes(new VolumeBuilder().withName("scratch").withNewEmptyDir().endEmptyDir().build()).endSpec()
            .build());
    create(Fixtures.replicaSetPod("shop", "web-7f9c-abcde", "worker-1", Map.of("app", "web")));
    create(Fixtures.replicaSetPod("shop", "web-7f9c-zzzzz", "worker-2", Map.of("app", "web")));
    Fixtures.create(cluster.client, Fixtures.pdb("shop", "web-pdb", Map.of("app", "web"), 1));
  }

  private static Map<String, PlannedPod> byName(DrainPlan plan) {
    return plan.pods().stream().collect(Collectors.toMap(p -> p.ref().name(), Function.identity()));
  }

  @Test
  void withKubectlDefaultsEveryKindOfPodGetsKubectlsAction() {
    createOrdinaryPods();

    DrainPlan plan = drain.planDrain(KUBECTL_DEFAULTS);

    Map<String, PlannedPod> pods = byName(plan);
    assertEquals(PodAction.SKIP_DAEMONSET, pods.get("node-exporter-abcde").action());
    assertEquals(PodAction.SKIP_MIRROR, pods.get("etcd-worker-1").action());
    assertEquals(PodAction.DELETE_FINISHED, pods.get("report-29871-q8x").action());
    assertEquals(PodAction.EVICT, pods.get("debug-shell").action());
    assertNull(pods.get("debug-shell").owner());
    assertEquals(PodAction.EVICT, pods.get("cache-5d8f-k2j4").action());
    assertTrue(pods.get("cache-5d8f-k2j4").emptyDir());
    PlannedPod web = pods.get("web-7f9c-abcde");
    assertEquals(PodAction.EVICT, web.action());
    assertEquals("ReplicaSet/web-7f9c-abcde-rs", web.owner());
    assertEquals(List.of("shop/web-pdb"), web.pdbs());
    assertTrue(plan.feasible());
  }

  @Test
  void podsOnOtherNodesAreNotPlanned() {
    createOrdinaryPods();

    DrainPlan plan = drain.planDrain(KUBECTL_DEFAULTS);

    assertFalse(byName(plan).containsKey("web-7f9c-zzzzz"));
    assertEquals(6, plan.pods().size());
  }

  @Test
  void withoutOptionsThePlanRefusesAndNamesThePodsAndTheOptionThatWouldAllowEach() {
    createOrdinaryPods();

    DrainPlan plan = drain.planDrain(NO_OPTIONS);

    assertFalse(plan.feasible());
    Map<String, PlannedPod> refused =
        plan.refused().stream().collect(Collectors.toMap(p -> p.ref().name(), Function.identity()));
    assertEquals(java.util.Set.of("node-exporter-abcde", "debug-shell", "cache-5d8f-k2j4"), refused.keySet());
    assertTrue(refused.get("node-exporter-abcde").reason().contains("--ignore-daemonsets"));
    assertTrue(refused.get("node-exporter-abcde").reason().contains("ignoreDaemonSets"));
    assertTrue(refused.get("debug-shell").reason().contains("force"));
    assertTrue(refused.get("cache-5d8f-k2j4").reason().contains("deleteEmptyDirData"));
    assertEquals(PodAction.SKIP_MIRROR, byName(plan).get("etcd-worker-1").action());
    assertEquals(PodAction.DELETE_FINISHED, byName(plan).get("report-29871-q8x").action());
    assertEquals(PodAction.EVICT, byName(plan).get("web-7f9c-abcde").action());
  }

  @Test
  void anUnmanagedPodWithEmptyDirNamesBothOptionsItNeeds() {
    create(
        Fixtures.pod("default", "scratchpad", "worker-1")
            .editSpec().addToVolumes(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build()).endSpec()
            .build());

    PlannedPod pod = drain.planDrain(NO_OPTIONS).pods().get(0);

    assertEquals(PodAction.REFUSE, pod.action());
    assertTrue(pod.reason().contains("force"), pod.reason());
    assertTrue(pod.reason().contains("deleteEmptyDirData"), pod.reason());
  }

  @Test
  void virtualMachinesFollowTheirEvictionStrategy() {
    KubeVirtFixtures.create(cluster.client, VmSpec.migratable("live", "worker-1", "LiveMigrate"));
    KubeVirtFixtures.create(cluster.client, VmSpec.notMigratable("stuck", "worker-1", "LiveMigrate"));
    KubeVirtFixtures.create(cluster.client, VmSpec.migratable("maybe-moves", "worker-1", "LiveMigrateIfPossible"));
    KubeVirtFixtures.create(
        cluster.client, VmSpec.notMigratable("maybe-stops", "worker-1", "LiveMigrateIfPossible").withRunStrategy("Manual"));
    KubeVirtFixtures.create(cluster.client, VmSpec.migratable("stops", "worker-1", "None"));
    KubeVirtFixtures.create(cluster.client, VmSpec.migratable("external", "worker-1", "External"));

    Map<String, PlannedPod> pods = byName(drain.planDrain(KUBECTL_DEFAULTS));

    assertEquals(PodAction.MIGRATE_VM, pods.get("virt-launcher-live-x7k2p").action());
    PlannedPod stuck = pods.get("virt-launcher-stuck-x7k2p");
    assertEquals(PodAction.VM_BLOCKED, stuck.action());
    assertFalse(stuck.vm().liveMigratable());
    assertTrue(stuck.vm().notMigratableReason().startsWith("DisksNotLiveMigratable"), stuck.vm().notMigratableReason());
    assertEquals(PodAction.MIGRATE_VM, pods.get("virt-launcher-maybe-moves-x7k2p").action());
    PlannedPod maybeStops = pods.get("virt-launcher-maybe-stops-x7k2p");
    assertEquals(PodAction.EVICT_VM_SHUTDOWN, maybeStops.action());
    assertEquals("Manual", maybeStops.vm().runStrategy());
    assertFalse(maybeStops.vm().restartExpected());
    PlannedPod stops = pods.get("virt-launcher-stops-x7k2p");
    assertEquals(PodAction.EVICT_VM_SHUTDOWN, stops.action());
    assertTrue(stops.vm().restartExpected());
    assertEquals(PodAction.VM_BLOCKED, pods.get("virt-launcher-external-x7k2p").action());
    assertEquals("vms", stops.vm().namespace());
    assertEquals("stops", stops.vm().vmName());
    assertEquals("VirtualMachineInstance/stops", stops.owner());
  }

  @Test
  void aVmWithoutItsOwnStrategyTakesTheClusterDefaultFromTheKubeVirtResource() {
    KubeVirtFixtures.createKubeVirtCr(cluster.client, "LiveMigrate");
    KubeVirtFixtures.create(cluster.client, VmSpec.migratable("defaulted", "worker-1", null));

    PlannedPod pod = drain.planDrain(KUBECTL_DEFAULTS).pods().get(0);

    assertEquals("LiveMigrate", pod.vm().evictionStrategy());
    assertEquals(PodAction.MIGRATE_VM, pod.action());
  }

  @Test
  void aVmWithoutAnyStrategyIsShutDownAsUnderNone() {
    KubeVirtFixtures.create(cluster.client, VmSpec.migratable("defaulted", "worker-1", null));

    PlannedPod pod = drain.planDrain(KUBECTL_DEFAULTS).pods().get(0);

    assertEquals("None", pod.vm().evictionStrategy());
    assertEquals(PodAction.EVICT_VM_SHUTDOWN, pod.action());
  }

  @Test
  void virtLauncherPodsNeedDeleteEmptyDirDataLikeKubectlSays() {
    KubeVirtFixtures.create(cluster.client, VmSpec.migratable("live", "worker-1", "LiveMigrate"));

    PlannedPod pod = drain.planDrain(new DrainPlanRequest("worker-1", false, true, true)).pods().get(0);

    assertEquals(PodAction.REFUSE, pod.action());
    assertTrue(pod.reason().contains("deleteEmptyDirData"));
  }

  @Test
  void planningAMissingNodeFailsNodeNotFound() {
    var failure =
        assertThrows(ActivityFailure.class, () -> drain.planDrain(new DrainPlanRequest("ghost", true, true, true)));

    assertEquals(Failures.NODE_NOT_FOUND, Fixtures.failureType(failure));
    assertTrue(Fixtures.nonRetryable(failure));
  }
}
