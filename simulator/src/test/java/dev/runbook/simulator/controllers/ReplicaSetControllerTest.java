package dev.runbook.simulator.controllers;

import static dev.runbook.simulator.controllers.TestCluster.NS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.SimAnnotations;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The ReplicaSet controller")
class ReplicaSetControllerTest {
  private TestCluster cluster;

  @BeforeEach
  void startCluster() {
    cluster = TestCluster.withGracefulDeletion().run(new Scheduler(), new Kubelet(), new ReplicaSetController());
    cluster.node("worker-1");
    cluster.node("worker-2");
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }

  @Test
  @DisplayName("keeps spec.replicas pods from the template, controlled by the ReplicaSet, and reports them ready")
  void keepsTheDesiredNumberOfPodsControlledByTheReplicaSet() {
    ReplicaSet rs = createReplicaSet("web", 3, Map.of());

    await().untilAsserted(() -> {
      ReplicaSet current = cluster.client.apps().replicaSets().inNamespace(NS).withName("web").get();
      assertNotNull(current.getStatus());
      assertEquals(3, current.getStatus().getReplicas());
      assertEquals(3, current.getStatus().getReadyReplicas());
      assertEquals(3, current.getStatus().getAvailableReplicas());
    });
    List<Pod> pods = cluster.pods();
    assertEquals(3, pods.size());
    for (Pod pod : pods) {
      assertTrue(pod.getMetadata().getName().matches("web-[bcdfghjklmnpqrstvwxz2456789]{5}"), pod.getMetadata().getName());
      assertEquals("web", pod.getMetadata().getLabels().get("app"));
      OwnerReference owner = pod.getMetadata().getOwnerReferences().get(0);
      assertEquals(rs.getMetadata().getUid(), owner.getUid());
      assertEquals("ReplicaSet", owner.getKind());
      assertTrue(owner.getController());
      assertTrue(owner.getBlockOwnerDeletion());
    }
  }

  @Test
  @DisplayName("an evicted replica is replaced at once, on another schedulable node, while it is still terminating")
  void evictedReplicaIsReplacedOnAnotherSchedulableNode() {
    // 600 simulated seconds of shutdown (30 s at 20x) keep the evicted pod terminating throughout the test
    createReplicaSet("web", 2, Map.of(SimAnnotations.TERMINATION_SECONDS, "600"));
    await().until(() -> readyPodsOn("worker-1") == 1 && readyPodsOn("worker-2") == 1);
    cluster.cordon("worker-1", true);
    Pod victim = cluster.pods().stream().filter(p -> "worker-1".equals(p.getSpec().getNodeName())).findFirst().orElseThrow();

    cluster.client.pods().inNamespace(NS).withName(victim.getMetadata().getName()).withGracePeriod(900).delete();

    await().untilAsserted(() -> {
      assertEquals(2, readyPodsOn("worker-2"));
      Pod evicted = cluster.get(victim.getMetadata().getName());
      assertNotNull(evicted, "the evicted pod is still shutting down");
      assertNotNull(evicted.getMetadata().getDeletionTimestamp());
    });
    assertEquals(3, cluster.pods().size());
  }

  @Test
  @DisplayName("scaling down removes surplus pods")
  void scalingDownRemovesSurplusPods() {
    createReplicaSet("web", 3, Map.of());
    await().until(() -> cluster.pods().size() == 3);

    cluster.client.apps().replicaSets().inNamespace(NS).withName("web").scale(1);

    await().untilAsserted(() -> assertEquals(1, cluster.pods().stream().filter(Pods::isActive).count()));
    await().untilAsserted(() -> assertEquals(1, cluster.client.apps().replicaSets().inNamespace(NS).withName("web").get().getStatus().getReplicas()));
  }

  @Test
  @DisplayName("adopts a running orphan pod it selects (a scenario's pod) instead of creating another")
  void adoptsAnOrphanPodItSelects() {
    Pod orphan = cluster.pod(TestCluster.podBuilder("web-scenario")
        .editMetadata().withLabels(Map.of("app", "web")).endMetadata().editSpec().withNodeName("worker-1").endSpec().build());

    ReplicaSet rs = createReplicaSet("web", 2, Map.of());

    await().untilAsserted(() -> {
      List<Pod> pods = cluster.pods();
      assertEquals(2, pods.size());
      assertTrue(pods.stream().allMatch(p -> Pods.isControlledBy(p, rs)));
    });
    assertEquals(orphan.getMetadata().getUid(), cluster.get("web-scenario").getMetadata().getUid());
  }

  private ReplicaSet createReplicaSet(String name, int replicas, Map<String, String> podAnnotations) {
    PodTemplateSpec template = TestCluster.template(Map.of("app", name));
    template.getMetadata().setAnnotations(podAnnotations);
    return cluster.client.apps().replicaSets().inNamespace(NS).resource(new ReplicaSetBuilder()
            .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
            .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
            .withTemplate(template).endSpec()
            .build())
        .create();
  }

  private long readyPodsOn(String node) {
    return cluster.pods().stream()
        .filter(p -> node.equals(p.getSpec().getNodeName()) && Pods.isActive(p) && Pods.isReady(p))
        .count();
  }
}
