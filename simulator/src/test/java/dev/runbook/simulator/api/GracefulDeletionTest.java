package dev.runbook.simulator.api;

import static dev.runbook.simulator.Scenarios.node;
import static dev.runbook.simulator.Scenarios.runningPod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.runbook.simulator.SimulatedCluster;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("deletion is graceful for scheduled pods and cascades to dependents")
class GracefulDeletionTest {
  private SimulatedCluster cluster;

  @BeforeEach
  void start() {
    cluster =
        SimulatedCluster.builder()
            .scenario(node("worker-1") + runningPod("shop", "web-1", "worker-1", "{app: web}")
                + """
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: api, namespace: shop}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: api}}
                  template: {metadata: {labels: {app: api}}, spec: {containers: [{name: a, image: a}]}}
                ---
                apiVersion: apps/v1
                kind: ReplicaSet
                metadata:
                  name: api-1
                  namespace: shop
                  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, controller: true}]
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: api}}
                  template: {metadata: {labels: {app: api}}, spec: {containers: [{name: a, image: a}]}}
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: api-1-x
                  namespace: shop
                  labels: {app: api}
                  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-1, controller: true}]
                spec: {nodeName: worker-1, containers: [{name: a, image: a}]}
                status: {phase: Running}
                """)
            .start();
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private Pod pod(String name) {
    return cluster.client().pods().inNamespace("shop").withName(name).get();
  }

  @Test
  @DisplayName("deleting a scheduled pod marks it terminating with its grace period; a grace-0 delete removes it")
  void scheduledPodTerminatesUntilTheFinalDelete() {
    cluster.client().pods().inNamespace("shop").withName("web-1").delete();

    Pod terminating = pod("web-1");
    assertNotNull(terminating.getMetadata().getDeletionTimestamp());
    assertEquals(30L, terminating.getMetadata().getDeletionGracePeriodSeconds());

    cluster.client().pods().inNamespace("shop").withName("web-1").withGracePeriod(0).delete();

    assertNull(pod("web-1"));
  }

  @Test
  @DisplayName("an explicit grace period is honoured")
  void explicitGracePeriod() {
    cluster.client().pods().inNamespace("shop").withName("web-1").withGracePeriod(5).delete();

    assertEquals(5L, pod("web-1").getMetadata().getDeletionGracePeriodSeconds());
  }

  @Test
  @DisplayName("a pod never scheduled is removed at once")
  void unscheduledPodGoesAtOnce() {
    cluster.client().pods().inNamespace("shop")
        .resource(new PodBuilder().withNewMetadata().withName("pending").endMetadata()
            .withNewSpec().addNewContainer().withName("a").withImage("a").endContainer().endSpec().build())
        .create();

    cluster.client().pods().inNamespace("shop").withName("pending").delete();

    assertNull(pod("pending"));
  }

  @Test
  @DisplayName("deleting a Deployment deletes its ReplicaSet and starts terminating its pods")
  void ownerDeletionCascades() {
    cluster.client().apps().deployments().inNamespace("shop").withName("api").delete();

    assertNull(cluster.client().apps().replicaSets().inNamespace("shop").withName("api-1").get());
    assertNotNull(pod("api-1-x").getMetadata().getDeletionTimestamp());
  }

  @Test
  @DisplayName("an object with finalizers stays, marked, until its finalizers are removed")
  void finalizersHoldDeletion() {
    var configMaps = cluster.client().configMaps().inNamespace("shop");
    configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName("held").addToFinalizers("sim/test")
        .endMetadata().build()).create();

    configMaps.withName("held").delete();
    assertNotNull(configMaps.withName("held").get().getMetadata().getDeletionTimestamp());

    configMaps.withName("held").edit(c -> { c.getMetadata().getFinalizers().clear(); return c; });
    assertNull(configMaps.withName("held").get());
  }
}
