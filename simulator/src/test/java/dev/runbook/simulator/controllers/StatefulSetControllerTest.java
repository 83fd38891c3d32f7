package dev.runbook.simulator.controllers;

import static dev.runbook.simulator.controllers.TestCluster.NS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.SimAnnotations;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The StatefulSet controller")
class StatefulSetControllerTest {
  private TestCluster cluster;

  @AfterEach
  void stopCluster() {
    cluster.close();
  }

  @Test
  @DisplayName("OrderedReady creates pod i only once pods 0..i-1 are Running and Ready")
  void orderedReadyCreatesEachPodOnlyAfterThePreviousOnesAreReady() {
    // no kubelet: the test decides when a pod is ready
    cluster = new TestCluster().run(new StatefulSetController());
    createStatefulSet("db", 3, null, Map.of());

    await().until(() -> cluster.get("db-0") != null);
    await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(60)).until(() -> cluster.get("db-1") == null);
    cluster.markRunningAndReady("db-0");
    await().until(() -> cluster.get("db-1") != null);
    await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(60)).until(() -> cluster.get("db-2") == null);
    cluster.markRunningAndReady("db-1");

    await().until(() -> cluster.get("db-2") != null);
    Pod pod = cluster.get("db-2");
    assertEquals("db-2", pod.getMetadata().getLabels().get(StatefulSetController.POD_NAME_LABEL));
    assertEquals("2", pod.getMetadata().getLabels().get(StatefulSetController.POD_INDEX_LABEL));
    assertEquals("db-2", pod.getSpec().getHostname());
    assertEquals("db", pod.getSpec().getSubdomain());
    assertEquals("StatefulSet", pod.getMetadata().getOwnerReferences().get(0).getKind());
  }

  @Test
  @DisplayName("Parallel creates all pods at once")
  void parallelCreatesAllPodsAtOnce() {
    cluster = new TestCluster().run(new StatefulSetController());

    createStatefulSet("db", 3, "Parallel", Map.of());

    await().untilAsserted(() -> assertEquals(3, cluster.pods().size()));
  }

  @Test
  @DisplayName("recreates a deleted pod under the same name with a new UID, once the old pod is really gone")
  void statefulSetRecreatesTheSameNameWithANewUid() {
    cluster = TestCluster.withGracefulDeletion().run(new Scheduler(), new Kubelet(), new StatefulSetController());
    cluster.node("worker-1");
    // 200 simulated seconds of shutdown: 10 s at 20x, during which the old pod must block its successor
    createStatefulSet("db", 2, null, Map.of(SimAnnotations.TERMINATION_SECONDS, "200"));
    await().untilAsserted(() -> assertEquals(2, readyReplicas()));
    String oldUid = cluster.get("db-1").getMetadata().getUid();

    cluster.client.pods().inNamespace(NS).withName("db-1").delete();

    await().untilAsserted(() -> assertNotNull(cluster.get("db-1").getMetadata().getDeletionTimestamp()));
    assertEquals(oldUid, cluster.get("db-1").getMetadata().getUid(), "no successor while the old pod terminates");
    await().untilAsserted(() -> {
      Pod successor = cluster.get("db-1");
      assertNotNull(successor);
      assertNotEquals(oldUid, successor.getMetadata().getUid());
      assertNull(successor.getMetadata().getDeletionTimestamp());
      assertTrue(Pods.isRunningAndReady(successor));
    });
    await().untilAsserted(() -> assertEquals(2, readyReplicas()));
  }

  @Test
  @DisplayName("scaling down removes the highest ordinal first")
  void scalingDownRemovesTheHighestOrdinal() {
    cluster = new TestCluster().run(new StatefulSetController());
    createStatefulSet("db", 3, "Parallel", Map.of());
    await().until(() -> cluster.pods().size() == 3);

    cluster.client.apps().statefulSets().inNamespace(NS).withName("db").scale(2);

    await().untilAsserted(() -> assertNull(cluster.get("db-2")));
    assertNotNull(cluster.get("db-0"));
    assertNotNull(cluster.get("db-1"));
  }

  @Test
  @DisplayName("adopts orphan pods named as its members (a scenario's pods) and keeps their UIDs")
  void adoptsOrphanMembers() {
    cluster = new TestCluster().run(new StatefulSetController());
    String uid0 = cluster.pod(TestCluster.podBuilder("db-0").editMetadata().withLabels(Map.of("app", "db")).endMetadata().build())
        .getMetadata().getUid();
    cluster.markRunningAndReady("db-0");
    cluster.pod(TestCluster.podBuilder("unrelated").editMetadata().withLabels(Map.of("app", "db")).endMetadata().build());

    createStatefulSet("db", 2, null, Map.of());

    await().untilAsserted(() -> assertNotNull(cluster.get("db-1")));
    assertEquals(uid0, cluster.get("db-0").getMetadata().getUid());
    assertEquals("StatefulSet", cluster.get("db-0").getMetadata().getOwnerReferences().get(0).getKind());
    assertTrue(cluster.get("unrelated").getMetadata().getOwnerReferences().isEmpty(), "not a member by name");
  }

  private int readyReplicas() {
    StatefulSet sts = cluster.client.apps().statefulSets().inNamespace(NS).withName("db").get();
    return sts.getStatus() == null || sts.getStatus().getReadyReplicas() == null ? 0 : sts.getStatus().getReadyReplicas();
  }

  private void createStatefulSet(String name, int replicas, String policy, Map<String, String> podAnnotations) {
    PodTemplateSpec template = TestCluster.template(Map.of("app", name));
    template.getMetadata().setAnnotations(podAnnotations);
    cluster.client.apps().statefulSets().inNamespace(NS).resource(new StatefulSetBuilder()
            .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
            .withNewSpec().withReplicas(replicas).withServiceName(name).withPodManagementPolicy(policy)
            .withNewSelector().addToMatchLabels("app", name).endSelector()
            .withTemplate(template).endSpec()
            .build())
        .create();
  }
}
