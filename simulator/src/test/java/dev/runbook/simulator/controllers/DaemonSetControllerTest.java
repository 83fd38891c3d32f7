package dev.runbook.simulator.controllers;

import static dev.runbook.simulator.controllers.TestCluster.NS;
import static dev.runbook.simulator.controllers.TestCluster.nodeBuilder;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The DaemonSet controller")
class DaemonSetControllerTest {
  private TestCluster cluster;

  @BeforeEach
  void startCluster() {
    cluster = new TestCluster().run(new Kubelet(), new DaemonSetController());
    cluster.node("worker-1");
    cluster.node("worker-2");
    cluster.node(nodeBuilder("infra-1").editMetadata().addToLabels("role", "infra").endMetadata().build());
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }

  @Test
  @DisplayName("runs one pod on every eligible node, bound to it, with the default DaemonSet tolerations")
  void runsOnePodPerEligibleNode() {
    createDaemonSet("agent", Map.of());

    await().untilAsserted(() -> {
      DaemonSetStatus status = daemonSet("agent").getStatus();
      assertEquals(3, status.getDesiredNumberScheduled());
      assertEquals(3, status.getNumberReady());
    });
    assertEquals(Map.of("worker-1", 1L, "worker-2", 1L, "infra-1", 1L), podsPerNode());
    Pod pod = cluster.pods().get(0);
    assertEquals("DaemonSet", pod.getMetadata().getOwnerReferences().get(0).getKind());
    assertEquals(
        List.of(pod.getSpec().getNodeName()),
        pod.getSpec().getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTerms().get(0).getMatchFields().get(0).getValues());
    assertTrue(pod.getSpec().getTolerations().stream()
        .anyMatch(t -> "node.kubernetes.io/unschedulable".equals(t.getKey()) && "NoSchedule".equals(t.getEffect())));
  }

  @Test
  @DisplayName("respects the template's nodeSelector")
  void respectsTheNodeSelector() {
    createDaemonSet("infra-agent", Map.of("role", "infra"));

    await().untilAsserted(() -> {
      assertEquals(Map.of("infra-1", 1L), podsPerNode());
      assertEquals(1, daemonSet("infra-agent").getStatus().getDesiredNumberScheduled());
    });
  }

  @Test
  @DisplayName("a cordoned node keeps its DaemonSet pod, and a deleted one comes back")
  void cordonedNodeKeepsItsDaemonSetPod() {
    createDaemonSet("agent", Map.of());
    await().until(() -> podsPerNode().size() == 3);
    cluster.cordon("worker-1", true);
    addTaint("worker-1", new TaintBuilder().withKey("node.kubernetes.io/unschedulable").withEffect("NoSchedule").build());
    String before = podOn("worker-1").getMetadata().getUid();

    cluster.client.pods().inNamespace(NS).withName(podOn("worker-1").getMetadata().getName()).delete();

    await().untilAsserted(() -> {
      Pod replacement = podOn("worker-1");
      assertNotEquals(before, replacement.getMetadata().getUid());
      assertTrue(Pods.isRunningAndReady(replacement));
    });
  }

  @Test
  @DisplayName("the drain taint (NoSchedule) keeps the existing pod but stops a new one")
  void drainTaintKeepsTheExistingPodButStopsANewOne() {
    createDaemonSet("agent", Map.of());
    await().until(() -> podsPerNode().size() == 3);
    String existing = podOn("worker-1").getMetadata().getName();

    addTaint("worker-1", new TaintBuilder().withKey("medik8s.io/drain").withEffect("NoSchedule").build());

    await().untilAsserted(() -> assertEquals(1, daemonSet("agent").getStatus().getNumberMisscheduled()));
    assertEquals(2, daemonSet("agent").getStatus().getDesiredNumberScheduled());
    assertEquals(existing, podOn("worker-1").getMetadata().getName(), "NoSchedule does not evict a running pod");
    cluster.client.pods().inNamespace(NS).withName(existing).delete();
    await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(60))
        .until(() -> !podsPerNode().containsKey("worker-1"));
  }

  @Test
  @DisplayName("an untolerated NoExecute taint removes the daemon pod")
  void noExecuteTaintRemovesTheDaemonPod() {
    createDaemonSet("agent", Map.of());
    await().until(() -> podsPerNode().size() == 3);

    addTaint("worker-2", new TaintBuilder().withKey("example.com/broken").withEffect("NoExecute").build());

    await().untilAsserted(() -> assertEquals(Map.of("worker-1", 1L, "infra-1", 1L), podsPerNode()));
  }

  private void addTaint(String node, Taint taint) {
    Node current = cluster.client.nodes().withName(node).get();
    if (current.getSpec() == null) {
      current.setSpec(new NodeSpec());
    }
    List<Taint> taints = new ArrayList<>(current.getSpec().getTaints() == null ? List.of() : current.getSpec().getTaints());
    taints.add(taint);
    current.getSpec().setTaints(taints);
    cluster.client.nodes().resource(current).update();
  }

  private Pod podOn(String node) {
    return cluster.pods().stream().filter(p -> node.equals(p.getSpec().getNodeName())).findFirst()
        .orElseThrow(() -> new AssertionError("no pod on " + node));
  }

  private Map<String, Long> podsPerNode() {
    return cluster.pods().stream()
        .filter(Pods::isActive)
        .collect(Collectors.groupingBy((Pod p) -> p.getSpec().getNodeName(), Collectors.counting()));
  }

  /** The DaemonSet, with an empty status until the controller has written one. */
  private DaemonSet daemonSet(String name) {
    DaemonSet ds = cluster.client.apps().daemonSets().inNamespace(NS).withName(name).get();
    if (ds.getStatus() == null) {
      ds.setStatus(new DaemonSetStatus());
    }
    return ds;
  }

  private void createDaemonSet(String name, Map<String, String> nodeSelector) {
    PodTemplateSpec template = TestCluster.template(Map.of("app", name));
    template.getSpec().setNodeSelector(nodeSelector);
    cluster.client.apps().daemonSets().inNamespace(NS).resource(new DaemonSetBuilder()
            .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
            .withNewSpec().withNewSelector().addToMatchLabels("app", name).endSelector().withTemplate(template).endSpec()
            .build())
        .create();
  }
}
