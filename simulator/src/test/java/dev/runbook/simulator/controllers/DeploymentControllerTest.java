package dev.runbook.simulator.controllers;

import static dev.runbook.simulator.controllers.TestCluster.NS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The Deployment controller")
class DeploymentControllerTest {
  private TestCluster cluster;

  @BeforeEach
  void startCluster() {
    cluster = new TestCluster().run(new Scheduler(), new Kubelet(), new ReplicaSetController(), new DeploymentController());
    cluster.node("worker-1");
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }

  @Test
  @DisplayName("owns one ReplicaSet named after its pod-template-hash, whose pods carry the hash, and reports availability")
  void ownsOneReplicaSetNamedAfterItsTemplateHash() {
    Deployment deployment = createDeployment("web", 2);

    await().untilAsserted(() -> {
      Deployment current = cluster.client.apps().deployments().inNamespace(NS).withName("web").get();
      assertNotNull(current.getStatus());
      assertEquals(2, current.getStatus().getAvailableReplicas());
      assertEquals(2, current.getStatus().getReadyReplicas());
      assertEquals(2, current.getStatus().getUpdatedReplicas());
      assertEquals("True", current.getStatus().getConditions().get(0).getStatus());
    });
    List<ReplicaSet> replicaSets = cluster.client.apps().replicaSets().inNamespace(NS).list().getItems();
    assertEquals(1, replicaSets.size());
    ReplicaSet rs = replicaSets.get(0);
    String hash = rs.getMetadata().getLabels().get(DeploymentController.POD_TEMPLATE_HASH);
    assertEquals("web-" + hash, rs.getMetadata().getName());
    assertEquals(deployment.getMetadata().getUid(), rs.getMetadata().getOwnerReferences().get(0).getUid());
    assertEquals(2, rs.getSpec().getReplicas());
    assertEquals(hash, rs.getSpec().getSelector().getMatchLabels().get(DeploymentController.POD_TEMPLATE_HASH));
    for (Pod pod : cluster.pods()) {
      assertEquals(hash, pod.getMetadata().getLabels().get(DeploymentController.POD_TEMPLATE_HASH));
      assertTrue(pod.getMetadata().getName().startsWith("web-" + hash + "-"));
    }
  }

  @Test
  @DisplayName("scaling the Deployment scales its ReplicaSet")
  void scalingTheDeploymentScalesItsReplicaSet() {
    createDeployment("web", 1);
    await().until(() -> cluster.pods().size() == 1);

    cluster.client.apps().deployments().inNamespace(NS).withName("web").scale(3);

    await().untilAsserted(() -> assertEquals(3, cluster.pods().size()));
    assertEquals(1, cluster.client.apps().replicaSets().inNamespace(NS).list().getItems().size());
  }

  @Test
  @DisplayName("the template hash does not depend on the order of labels")
  void templateHashDoesNotDependOnLabelOrder() {
    Map<String, String> ab = new LinkedHashMap<>();
    ab.put("a", "1");
    ab.put("b", "2");
    Map<String, String> ba = new LinkedHashMap<>();
    ba.put("b", "2");
    ba.put("a", "1");

    assertEquals(Names.templateHash(TestCluster.template(ab)), Names.templateHash(TestCluster.template(ba)));
    assertTrue(!Names.templateHash(TestCluster.template(ab)).equals(Names.templateHash(TestCluster.template(Map.of("a", "1")))));
  }

  private Deployment createDeployment(String name, int replicas) {
    return cluster.client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
            .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
            .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
            .withTemplate(TestCluster.template(Map.of("app", name))).endSpec()
            .build())
        .create();
  }
}
