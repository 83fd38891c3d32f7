package dev.runbook.simulator.kubevirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.EvictionAdmitter.Denial;
import dev.runbook.simulator.SimSettings;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** KubeVirt's eviction table, row by row, against a VMI whose LiveMigratable condition is set as virt-handler would. */
class PodEvictionAdmitterTest {
  private static final String PREFIX =
      "admission webhook \"virt-launcher-eviction-interceptor.kubevirt.io\" denied the request: ";

  private TestCluster cluster;
  private final PodEvictionAdmitter admitter = new PodEvictionAdmitter();

  @BeforeEach
  void startServer() {
    cluster = new TestCluster();
  }

  @AfterEach
  void stopServer() {
    cluster.close();
  }

  static Stream<Arguments> evictionTable() {
    String evacuation = PREFIX + "Eviction triggered evacuation of VMI \"vms/vm-1\"";
    return Stream.of(
        Arguments.of(KubeVirt.LIVE_MIGRATE, true, evacuation, "worker-1"),
        Arguments.of(KubeVirt.LIVE_MIGRATE, false,
            PREFIX + "VMI vm-1 is configured with an eviction strategy but is not live-migratable", null),
        Arguments.of(KubeVirt.LIVE_MIGRATE_IF_POSSIBLE, true, evacuation, "worker-1"),
        Arguments.of(KubeVirt.LIVE_MIGRATE_IF_POSSIBLE, false, null, null),
        Arguments.of(KubeVirt.EXTERNAL, true, evacuation, "worker-1"),
        Arguments.of(KubeVirt.EXTERNAL, false, evacuation, "worker-1"),
        Arguments.of(KubeVirt.NONE, true, null, null),
        Arguments.of(KubeVirt.NONE, false, null, null));
  }

  @ParameterizedTest(name = "evictionStrategy {0}, migratable {1}: denial \"{2}\", evacuationNodeName {3}")
  @MethodSource("evictionTable")
  @DisplayName("the webhook answers each row of KubeVirt's eviction table and marks the VMI when it should")
  void answersEvictionTable(String strategy, boolean migratable, String expectedDenial, String expectedMark) {
    Pod launcher = runningVmi("vm-1", strategy, migratable);

    Optional<Denial> denial = admitter.admit(launcher, cluster.client, cluster.context);

    if (expectedDenial == null) {
      assertTrue(denial.isEmpty(), () -> "expected the eviction to be allowed, got " + denial);
    } else {
      assertEquals(new Denial(429, expectedDenial), denial.orElseThrow());
    }
    assertEquals(expectedMark, cluster.vmi("vm-1").evacuationNodeName());
  }

  @Test
  @DisplayName("a VMI already marked for evacuation is refused again without being marked twice")
  void alreadyMarkedIsRefusedAgain() {
    Pod launcher = runningVmi("vm-1", KubeVirt.LIVE_MIGRATE, true);
    admitter.admit(launcher, cluster.client, cluster.context);
    String resourceVersion = cluster.vmi("vm-1").resource.getMetadata().getResourceVersion();

    Optional<Denial> again = admitter.admit(launcher, cluster.client, cluster.context);

    assertEquals(
        new Denial(429, PREFIX + "Evacuation in progress: Eviction triggered evacuation of VMI \"vms/vm-1\""),
        again.orElseThrow());
    assertEquals(resourceVersion, cluster.vmi("vm-1").resource.getMetadata().getResourceVersion());
  }

  @Test
  @DisplayName("without its own strategy a VMI follows the cluster-wide default eviction strategy")
  void clusterDefaultApplies() {
    cluster.close();
    SimSettings d = SimSettings.defaults();
    cluster = new TestCluster(new SimSettings(d.podStartup(), d.podTermination(), d.migration(),
        d.parallelMigrationsPerCluster(), d.parallelOutboundMigrationsPerNode(), KubeVirt.LIVE_MIGRATE));
    Pod launcher = runningVmi("vm-1", null, false);

    Optional<Denial> denial = admitter.admit(launcher, cluster.client, cluster.context);

    assertEquals(PREFIX + "VMI vm-1 is configured with an eviction strategy but is not live-migratable",
        denial.orElseThrow().message());
  }

  @Test
  @DisplayName("pods that are not running virt-launchers get no opinion from KubeVirt")
  void otherPodsPass() {
    runningVmi("vm-1", KubeVirt.LIVE_MIGRATE, false);
    Pod web = cluster.client.pods().inNamespace(TestCluster.NS).resource(new PodBuilder()
        .withNewMetadata().withName("web").withNamespace(TestCluster.NS).addToLabels("app", "web").endMetadata()
        .withNewSpec().withNodeName("worker-1").addNewContainer().withName("c").withImage("nginx").endContainer()
        .endSpec().build()).create();
    Pod finished = new PodBuilder(launcher("vm-1")).editStatus().withPhase("Succeeded").endStatus().build();

    assertTrue(admitter.admit(web, cluster.client, cluster.context).isEmpty());
    assertTrue(admitter.admit(finished, cluster.client, cluster.context).isEmpty());
    assertNull(cluster.vmi("vm-1").evacuationNodeName());
  }

  /** A VMI running on worker-1 with its launcher pod, LiveMigratable as given. */
  private Pod runningVmi(String name, String strategy, boolean migratable) {
    Map<String, Object> spec = strategy == null ? Map.of("domain", Map.of()) : Map.of("evictionStrategy", strategy);
    GenericKubernetesResource vmi = KubeVirt.vmis(cluster.client).inNamespace(TestCluster.NS).resource(
        new GenericKubernetesResourceBuilder()
            .withApiVersion(KubeVirt.API_VERSION).withKind("VirtualMachineInstance")
            .withNewMetadata().withName(name).withNamespace(TestCluster.NS).endMetadata()
            .withAdditionalProperties(Map.of("spec", spec))
            .build()).create();
    Map<String, Object> condition = migratable
        ? Map.of("type", KubeVirt.LIVE_MIGRATABLE, "status", "True")
        : Map.of("type", KubeVirt.LIVE_MIGRATABLE, "status", "False", "reason", KubeVirt.DISKS_NOT_LIVE_MIGRATABLE);
    KubeVirt.patchStatus(KubeVirt.vmis(cluster.client).inNamespace(TestCluster.NS).withName(name), vmi,
        Map.of("phase", KubeVirt.RUNNING, "nodeName", "worker-1", "conditions", List.of(condition)));
    Pod pod = LauncherPods.launcher(new Vmi(cluster.vmi(name).resource));
    pod.getSpec().setNodeName("worker-1");
    return cluster.client.resource(pod).create();
  }

  private Pod launcher(String vmi) {
    return cluster.client.pods().inNamespace(TestCluster.NS).withLabel(KubeVirt.APP_LABEL, KubeVirt.VIRT_LAUNCHER)
        .list().getItems().stream().filter(p -> vmi.equals(LauncherPods.domain(p))).findFirst().orElseThrow();
  }
}
