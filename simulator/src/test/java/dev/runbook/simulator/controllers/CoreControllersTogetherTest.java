package dev.runbook.simulator.controllers;

import static dev.runbook.simulator.controllers.TestCluster.NS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.SimAnnotations;
import dev.runbook.simulator.SimController;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The core controllers, loaded as services")
class CoreControllersTogetherTest {
  private TestCluster cluster;

  @AfterEach
  void stopCluster() {
    cluster.close();
  }

  @Test
  @DisplayName("move a drained node's replica to another node and re-open the PDB once the replacement is ready")
  void moveADrainedReplicaAndReopenThePdb() {
    List<SimController> controllers =
        ServiceLoader.load(SimController.class).stream().map(ServiceLoader.Provider::get).collect(Collectors.toList());
    assertTrue(
        controllers.stream().map(SimController::name).collect(Collectors.toSet()).containsAll(List.of(
            "scheduler", "kubelet", "replicaset-controller", "deployment-controller", "statefulset-controller",
            "daemonset-controller", "job-controller", "disruption-controller")));
    cluster = TestCluster.withGracefulDeletion().run(controllers.toArray(SimController[]::new));
    cluster.node("worker-1");
    cluster.node("worker-2");
    PodTemplateSpec template = TestCluster.template(Map.of("app", "web"));
    // 600 simulated seconds of shutdown: the evicted pod is terminating for the whole test
    template.getMetadata().setAnnotations(Map.of(SimAnnotations.TERMINATION_SECONDS, "600"));
    cluster.client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
            .withNewMetadata().withName("web").withNamespace(NS).endMetadata()
            .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
            .withTemplate(template).endSpec().build())
        .create();
    cluster.client.policy().v1().podDisruptionBudget().inNamespace(NS).resource(new PodDisruptionBudgetBuilder()
            .withNewMetadata().withName("web").withNamespace(NS).endMetadata()
            .withNewSpec().withMaxUnavailable(new IntOrString(1)).withNewSelector().addToMatchLabels("app", "web").endSelector().endSpec()
            .build())
        .create();
    await().until(() -> disruptionsAllowed() == 1 && readyOn("worker-1") == 1 && readyOn("worker-2") == 1);

    // what a drain does: cordon, then evict (the API server deletes the pod gracefully)
    cluster.cordon("worker-1", true);
    Pod victim = cluster.pods().stream().filter(p -> "worker-1".equals(p.getSpec().getNodeName())).findFirst().orElseThrow();
    cluster.client.pods().inNamespace(NS).withName(victim.getMetadata().getName()).withGracePeriod(3600).delete();

    await().untilAsserted(() -> {
      assertEquals(2, readyOn("worker-2"));
      assertEquals(0, readyOn("worker-1"));
      assertEquals(1, disruptionsAllowed());
    });
  }

  private int disruptionsAllowed() {
    PodDisruptionBudgetStatus status =
        cluster.client.policy().v1().podDisruptionBudget().inNamespace(NS).withName("web").get().getStatus();
    return status == null || status.getDisruptionsAllowed() == null ? -1 : status.getDisruptionsAllowed();
  }

  private long readyOn(String node) {
    return cluster.pods().stream()
        .filter(p -> node.equals(p.getSpec().getNodeName()) && Pods.isActive(p) && Pods.isReady(p))
        .count();
  }
}
