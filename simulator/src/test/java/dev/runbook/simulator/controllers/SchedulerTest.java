package dev.runbook.simulator.controllers;

import static dev.runbook.simulator.controllers.TestCluster.NS;
import static dev.runbook.simulator.controllers.TestCluster.nodeBuilder;
import static dev.runbook.simulator.controllers.TestCluster.podBuilder;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The scheduler")
class SchedulerTest {
  private TestCluster cluster;

  @BeforeEach
  void startCluster() {
    cluster = new TestCluster().run(new Scheduler());
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }

  @Test
  @DisplayName("a cordoned node receives no new pods")
  void cordonedNodeReceivesNoNewPods() {
    // Given
    cluster.node(nodeBuilder("worker-1").withNewSpec().withUnschedulable(true).endSpec().build());
    cluster.node("worker-2");
    // When
    for (int i = 0; i < 3; i++) {
      cluster.pod(podBuilder("web-" + i).build());
    }
    // Then
    await().untilAsserted(() -> assertEquals(Map.of("worker-2", 3L), podsPerNode()));
  }

  @Test
  @DisplayName("spreads pods to the node with the fewest pods")
  void spreadsPodsToTheNodeWithTheFewestPods() {
    cluster.node("worker-1");
    cluster.node("worker-2");
    cluster.node("worker-3");
    cluster.pod(podBuilder("existing").editSpec().withNodeName("worker-1").endSpec().build());

    for (int i = 0; i < 5; i++) {
      cluster.pod(podBuilder("web-" + i).build());
    }

    await().untilAsserted(() -> assertEquals(Map.of("worker-1", 2L, "worker-2", 2L, "worker-3", 2L), podsPerNode()));
  }

  @Test
  @DisplayName("a pod no node admits stays Pending with PodScheduled=False, reason Unschedulable, naming the reasons")
  void podNoNodeAdmitsStaysPendingAsUnschedulable() {
    cluster.node(nodeBuilder("worker-1").withNewSpec().withUnschedulable(true).endSpec().build());
    cluster.node(drainTainted("worker-2"));

    cluster.pod(podBuilder("web").build());

    await().untilAsserted(() -> {
      PodCondition scheduled = Pods.condition(cluster.get("web"), "PodScheduled").orElseThrow();
      assertEquals("False", scheduled.getStatus());
      assertEquals("Unschedulable", scheduled.getReason());
      assertEquals(
          "0/2 nodes are available: 1 node(s) had untolerated taint {medik8s.io/drain: }, 1 node(s) were unschedulable.",
          scheduled.getMessage());
    });
    assertNull(cluster.get("web").getSpec().getNodeName());
  }

  @Test
  @DisplayName("an unschedulable pod is bound as soon as a node is uncordoned")
  void unschedulablePodIsBoundOnceANodeIsUncordoned() {
    cluster.node(nodeBuilder("worker-1").withNewSpec().withUnschedulable(true).endSpec().build());
    cluster.pod(podBuilder("web").build());
    await().until(() -> Pods.condition(cluster.get("web"), "PodScheduled").isPresent());

    cluster.cordon("worker-1", false);

    await().untilAsserted(() -> assertEquals("worker-1", cluster.get("web").getSpec().getNodeName()));
  }

  @Test
  @DisplayName("a pod that tolerates a taint (empty key with Exists) may use the tainted node")
  void podThatToleratesTheTaintMayUseTheTaintedNode() {
    cluster.node(drainTainted("worker-1"));

    cluster.pod(podBuilder("tolerant").editSpec().addNewToleration().withOperator("Exists").endToleration().endSpec().build());
    cluster.pod(podBuilder("keyed").editSpec()
        .addNewToleration().withKey("medik8s.io/drain").withOperator("Exists").withEffect("NoSchedule").endToleration()
        .endSpec().build());
    cluster.pod(podBuilder("wrong-effect").editSpec()
        .addNewToleration().withKey("medik8s.io/drain").withOperator("Exists").withEffect("NoExecute").endToleration()
        .endSpec().build());

    await().untilAsserted(() -> {
      assertEquals("worker-1", cluster.get("tolerant").getSpec().getNodeName());
      assertEquals("worker-1", cluster.get("keyed").getSpec().getNodeName());
      assertEquals("False", Pods.condition(cluster.get("wrong-effect"), "PodScheduled")
          .map(c -> c.getStatus()).orElse("not yet scheduled"));
    });
  }

  @Test
  @DisplayName("honours nodeSelector and required node affinity")
  void honoursNodeSelectorAndRequiredNodeAffinity() {
    cluster.node(nodeBuilder("worker-1").editMetadata().addToLabels("zone", "a").endMetadata().build());
    cluster.node(nodeBuilder("worker-2").editMetadata().addToLabels("zone", "b").addToLabels("gpu", "true").endMetadata().build());
    cluster.node("worker-3");

    cluster.pod(podBuilder("selected").editSpec().addToNodeSelector("zone", "b").endSpec().build());
    cluster.pod(podBuilder("not-in-a-or-b").editSpec().withNewAffinity().withNewNodeAffinity()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution()
        .addNewNodeSelectorTerm().addNewMatchExpression().withKey("zone").withOperator("NotIn").withValues("a", "b").endMatchExpression().endNodeSelectorTerm()
        .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity().endSpec().build());
    cluster.pod(podBuilder("with-gpu").editSpec().withNewAffinity().withNewNodeAffinity()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution()
        .addNewNodeSelectorTerm().addNewMatchExpression().withKey("gpu").withOperator("Exists").endMatchExpression().endNodeSelectorTerm()
        .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity().endSpec().build());
    cluster.pod(podBuilder("zone-a").editSpec().withNewAffinity().withNewNodeAffinity()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution()
        .addNewNodeSelectorTerm().addNewMatchExpression().withKey("zone").withOperator("In").withValues("a").endMatchExpression().endNodeSelectorTerm()
        .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity().endSpec().build());

    await().untilAsserted(() -> {
      assertEquals("worker-2", cluster.get("selected").getSpec().getNodeName());
      assertEquals("worker-3", cluster.get("not-in-a-or-b").getSpec().getNodeName());
      assertEquals("worker-2", cluster.get("with-gpu").getSpec().getNodeName());
      assertEquals("worker-1", cluster.get("zone-a").getSpec().getNodeName());
    });
  }

  @Test
  @DisplayName("a node at its max pods (status.capacity.pods) takes no more")
  void nodeAtItsMaxPodsTakesNoMore() {
    cluster.node(TestCluster.withMaxPods(nodeBuilder("small"), 1).build());

    cluster.pod(podBuilder("first").build());
    await().until(() -> cluster.get("first").getSpec().getNodeName() != null);
    cluster.pod(podBuilder("second").build());

    await().untilAsserted(() ->
        assertEquals("0/1 nodes are available: 1 Too many pods.",
            Pods.condition(cluster.get("second"), "PodScheduled").orElseThrow().getMessage()));
    cluster.client.pods().inNamespace(NS).withName("first").delete();
    await().untilAsserted(() -> assertNotNull(cluster.get("second").getSpec().getNodeName()));
  }

  private static Node drainTainted(String name) {
    return nodeBuilder(name).withNewSpec().addNewTaint().withKey("medik8s.io/drain").withEffect("NoSchedule").endTaint().endSpec().build();
  }

  private Map<String, Long> podsPerNode() {
    return cluster.pods().stream()
        .filter(p -> p.getSpec().getNodeName() != null)
        .collect(Collectors.groupingBy((Pod p) -> p.getSpec().getNodeName(), Collectors.counting()));
  }
}
