package dev.runbook.simulator.controllers;

import static dev.runbook.simulator.controllers.TestCluster.NS;
import static dev.runbook.simulator.controllers.TestCluster.podBuilder;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The tests play the kubelet (no Kubelet runs), so that they decide exactly when each pod is Ready. */
@DisplayName("The disruption controller")
class DisruptionControllerTest {
  private TestCluster cluster;

  @AfterEach
  void stopCluster() {
    cluster.close();
  }

  @Test
  @DisplayName("a PDB (maxUnavailable 1) allows a disruption only when all replicas of its Deployment are ready")
  void pdbAllowsADisruptionOnlyWhenAllReplicasAreReady() {
    cluster = new TestCluster().run(new ReplicaSetController(), new DeploymentController(), new DisruptionController());
    createPdb("web", null, new IntOrString(1));
    cluster.client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
            .withNewMetadata().withName("web").withNamespace(NS).endMetadata()
            .withNewSpec().withReplicas(3).withNewSelector().addToMatchLabels("app", "web").endSelector()
            .withTemplate(TestCluster.template(Map.of("app", "web"))).endSpec()
            .build())
        .create();
    await().until(() -> cluster.pods().size() == 3);
    List<String> pods = cluster.pods().stream().map(p -> p.getMetadata().getName()).toList();

    await().untilAsserted(() -> assertStatus(0, 3, 2, 0));
    cluster.markRunningAndReady(pods.get(0));
    cluster.markRunningAndReady(pods.get(1));
    await().untilAsserted(() -> assertStatus(2, 3, 2, 0));
    cluster.markRunningAndReady(pods.get(2));
    await().untilAsserted(() -> assertStatus(3, 3, 2, 1));
    assertTrue(status().getConditions().stream().anyMatch(c -> "DisruptionAllowed".equals(c.getType()) && "True".equals(c.getStatus())));

    cluster.client.pods().inNamespace(NS).withName(pods.get(0)).delete();

    // the replacement is not ready yet: the budget is spent until it is
    await().untilAsserted(() -> assertStatus(2, 3, 2, 0));
  }

  @Test
  @DisplayName("maxUnavailable counts a StatefulSet replica that does not exist yet against the budget")
  void missingStatefulSetReplicaCountsAgainstTheBudget() {
    cluster = new TestCluster().run(new StatefulSetController(), new DisruptionController());
    createPdb("db", null, new IntOrString(1));
    cluster.client.apps().statefulSets().inNamespace(NS).resource(new StatefulSetBuilder()
            .withNewMetadata().withName("db").withNamespace(NS).endMetadata()
            .withNewSpec().withReplicas(3).withNewSelector().addToMatchLabels("app", "db").endSelector()
            .withTemplate(TestCluster.template(Map.of("app", "db"))).endSpec()
            .build())
        .create();

    cluster.markRunningAndReady("db-0");
    cluster.markRunningAndReady("db-1");

    await().untilAsserted(() -> assertStatus(2, 3, 2, 0));
  }

  @Test
  @DisplayName("an integer minAvailable is checked against the matching pods; a percentage is rounded up")
  void minAvailableAgainstMatchingPods() {
    cluster = new TestCluster().run(new DisruptionController());
    readyCachePods(3);

    createPdb("cache", new IntOrString(2), null);
    await().untilAsserted(() -> assertStatus(3, 3, 2, 1));

    cluster.client.policy().v1().podDisruptionBudget().inNamespace(NS).withName("cache")
        .edit(p -> { p.getSpec().setMinAvailable(new IntOrString("34%")); return p; });
    // 34% of 3 pods is 1.02, rounded up to 2
    await().untilAsserted(() -> assertStatus(3, 3, 2, 1));
    cluster.client.policy().v1().podDisruptionBudget().inNamespace(NS).withName("cache")
        .edit(p -> { p.getSpec().setMinAvailable(new IntOrString("100%")); return p; });
    await().untilAsserted(() -> assertStatus(3, 3, 3, 0));
  }

  @Test
  @DisplayName("a pod listed in disruptedPods is not healthy until the entry expires")
  void disruptedPodIsNotHealthyUntilTheEntryExpires() {
    // 8 s: long enough to see the pod counted out on a busy machine, short enough to see the entry expire
    cluster = new TestCluster().run(new DisruptionController(Duration.ofSeconds(8)));
    readyCachePods(3);
    createPdb("cache", new IntOrString(2), null);
    await().untilAsserted(() -> assertStatus(3, 3, 2, 1));

    recordEviction("cache-0");

    await().untilAsserted(() -> {
      assertStatus(2, 3, 2, 0);
      assertEquals(Set.of("cache-0"), status().getDisruptedPods().keySet());
    });
    await().untilAsserted(() -> {
      assertEquals(Map.of(), status().getDisruptedPods());
      assertStatus(3, 3, 2, 1);
    });
  }

  @Test
  @DisplayName("the disruptedPods entry of a pod that is gone is cleared at once")
  void disruptedPodsEntryOfAPodThatIsGoneIsCleared() {
    // an hour: the entry can only go because its pod went
    cluster = new TestCluster().run(new DisruptionController(Duration.ofHours(1)));
    readyCachePods(3);
    createPdb("cache", new IntOrString(2), null);
    await().untilAsserted(() -> assertStatus(3, 3, 2, 1));
    recordEviction("cache-0");
    await().untilAsserted(() -> assertEquals(Set.of("cache-0"), status().getDisruptedPods().keySet()));

    cluster.client.pods().inNamespace(NS).withName("cache-0").delete();

    await().untilAsserted(() -> {
      assertEquals(Map.of(), status().getDisruptedPods());
      assertStatus(2, 2, 2, 0);
    });
  }

  private void readyCachePods(int count) {
    for (int i = 0; i < count; i++) {
      cluster.pod(podBuilder("cache-" + i).editMetadata().withLabels(Map.of("app", "cache")).endMetadata().build());
      cluster.markRunningAndReady("cache-" + i);
    }
  }

  /** What the API server writes when it grants an eviction, before it deletes the pod. */
  private void recordEviction(String pod) {
    cluster.client.policy().v1().podDisruptionBudget().inNamespace(NS).withName("cache").editStatus(p -> {
      p.getStatus().setDisruptedPods(Map.of(pod, Instant.now().toString()));
      p.getStatus().setDisruptionsAllowed(p.getStatus().getDisruptionsAllowed() - 1);
      return p;
    });
  }

  private void createPdb(String app, IntOrString minAvailable, IntOrString maxUnavailable) {
    cluster.client.policy().v1().podDisruptionBudget().inNamespace(NS).resource(new PodDisruptionBudgetBuilder()
            .withNewMetadata().withName(app).withNamespace(NS).endMetadata()
            .withNewSpec().withMinAvailable(minAvailable).withMaxUnavailable(maxUnavailable)
            .withNewSelector().addToMatchLabels("app", app).endSelector().endSpec()
            .build())
        .create();
  }

  private PodDisruptionBudgetStatus status() {
    PodDisruptionBudget pdb = cluster.client.policy().v1().podDisruptionBudget().inNamespace(NS).list().getItems().get(0);
    return pdb.getStatus() == null ? new PodDisruptionBudgetStatus() : pdb.getStatus();
  }

  private void assertStatus(int currentHealthy, int expectedPods, int desiredHealthy, int disruptionsAllowed) {
    PodDisruptionBudgetStatus status = status();
    assertEquals(
        List.of(currentHealthy, expectedPods, desiredHealthy, disruptionsAllowed),
        java.util.Arrays.asList(status.getCurrentHealthy(), status.getExpectedPods(), status.getDesiredHealthy(), status.getDisruptionsAllowed()),
        "currentHealthy, expectedPods, desiredHealthy, disruptionsAllowed");
  }

}
