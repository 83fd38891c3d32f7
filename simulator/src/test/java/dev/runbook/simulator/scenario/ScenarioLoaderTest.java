package dev.runbook.simulator.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.SimulatedCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("scenarios are plain Kubernetes YAML")
class ScenarioLoaderTest {

  @Test
  @DisplayName("the demo cluster has three workers, a tainted control plane, and a bit of everything on worker-1")
  void demoCluster() {
    try (SimulatedCluster cluster = SimulatedCluster.builder().demoScenario().start()) {
      var client = cluster.client();
      assertEquals(
          List.of("control-plane-1", "worker-1", "worker-2", "worker-3"),
          client.nodes().list().getItems().stream().map(n -> n.getMetadata().getName()).toList());
      assertEquals("NoSchedule", client.nodes().withName("control-plane-1").get().getSpec().getTaints().get(0)
          .getEffect());
      List<Pod> onWorker1 =
          client.pods().inAnyNamespace().withField("spec.nodeName", "worker-1").list().getItems();
      assertTrue(onWorker1.size() >= 10, "pods on worker-1: " + onWorker1.size());
      Pod db0 = client.pods().inNamespace("shop").withName("db-0").get();
      String stsUid = client.apps().statefulSets().inNamespace("shop").withName("db").get().getMetadata().getUid();
      assertEquals(stsUid, db0.getMetadata().getOwnerReferences().get(0).getUid(), "owners resolved by name");
      assertEquals("Running", db0.getStatus().getPhase(), "status kept as written");
      PodDisruptionBudget pdb = client.policy().v1().podDisruptionBudget().inNamespace("shop").withName("db").get();
      assertEquals(1, pdb.getStatus().getDisruptionsAllowed(), "3 healthy of 3 under maxUnavailable 1");
      assertEquals(5, client.genericKubernetesResources("kubevirt.io/v1", "VirtualMachine").inNamespace("vms").list()
          .getItems().size());
      assertEquals(5, client.genericKubernetesResources("kubevirt.io/v1", "VirtualMachineInstance").inNamespace("vms")
          .list().getItems().size());
    }
  }

  @Test
  @DisplayName("plain manifests without annotations load, and their namespaces are implied")
  void plainManifests() {
    String yaml = """
        apiVersion: v1
        kind: Node
        metadata: {name: n1}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: team-a}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: loose}
        spec: {containers: [{name: c, image: busybox}]}
        """;
    try (SimulatedCluster cluster = SimulatedCluster.builder().scenario(yaml).start()) {
      assertEquals("Active", cluster.client().namespaces().withName("team-a").get().getStatus().getPhase());
      assertEquals(2, cluster.client().apps().deployments().inNamespace("team-a").withName("web").get().getSpec()
          .getReplicas());
      assertEquals("Pending", cluster.client().pods().inNamespace("default").withName("loose").get().getStatus()
          .getPhase(), "a pod without status starts Pending");
    }
  }

  @Test
  @DisplayName("a PDB status written in the scenario is taken as current, observedGeneration or not")
  void writtenPdbStatusIsCurrent() {
    String yaml = """
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: db, namespace: shop}
        spec: {maxUnavailable: 1, selector: {matchLabels: {app: db}}}
        status: {disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3}
        """;
    try (SimulatedCluster cluster = SimulatedCluster.builder().scenario(yaml).start()) {
      PodDisruptionBudget pdb = cluster.client().policy().v1().podDisruptionBudget().inNamespace("shop")
          .withName("db").get();
      assertEquals(pdb.getMetadata().getGeneration(), pdb.getStatus().getObservedGeneration());
      assertEquals(1, pdb.getStatus().getDisruptionsAllowed());
    }
  }

  @Test
  @DisplayName("a document of an unknown kind is refused with its name")
  void unknownKind() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SimulatedCluster.builder().scenario("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
                .start());

    assertTrue(e.getMessage().contains("Widget"), e.getMessage());
  }
}
