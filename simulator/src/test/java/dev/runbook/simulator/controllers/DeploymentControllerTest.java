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
    cluster = new TestCluster();
    cluster.node("worker-1");
  }

  private void startControllers() {
    cluster.run(new Scheduler(), new Kubelet(), new ReplicaSetController(), new DeploymentController());
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }

  @Test
  @DisplayName("owns one ReplicaSet named after its pod-template-hash, whose pods carry the hash, and reports availability")
  void ownsOneReplicaSetNamedAfterItsTemplateHash() {
    startControllers();
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
    startControllers();
    createDeployment("web", 1);
    await().until(() -> cluster.pods().size() == 1);

    cluster.client.apps().deployments().inNamespace(NS).withName("web").scale(3);

    await().untilAsserted(() -> assertEquals(3, cluster.pods().size()));
    assertEquals(1, cluster.client.apps().replicaSets().inNamespace(NS).list().getItems().size());
  }

  @Test
  @DisplayName("keeps a scenario's ReplicaSet with the same template, whatever hash named it")
  void keepsAnExistingReplicaSetWithItsTemplate() {
    Deployment deployment = createDeployment("web", 2);
    Map<String, String> podLabels = Map.of("app", "web", DeploymentController.POD_TEMPLATE_HASH, "6d8f7c9b5");
    io.fabric8.kubernetes.api.model.apps.ReplicaSet scenarioRs = cluster.client.apps().replicaSets().inNamespace(NS)
        .resource(new io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder()
            .withNewMetadata().withName("web-6d8f7c9b5").withNamespace(NS).withLabels(podLabels)
            .withOwnerReferences(Pods.controllerReference(deployment)).endMetadata()
            .withNewSpec().withReplicas(2).withNewSelector().withMatchLabels(podLabels).endSelector()
            .withTemplate(TestCluster.template(podLabels)).endSpec()
            .build())
        .create();

    startControllers();

    await().untilAsserted(() -> assertEquals(2, cluster.pods().size()));
    await().during(java.time.Duration.ofMillis(1500)).atMost(java.time.Duration.ofSeconds(60))
        .until(() -> cluster.client.apps().replicaSets().inNamespace(NS).list().getItems().size() == 1);
    assertEquals(scenarioRs.getMetadata().getUid(),
        cluster.client.apps().replicaSets().inNamespace(NS).list().getItems().get(0).getMetadata().getUid());
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
