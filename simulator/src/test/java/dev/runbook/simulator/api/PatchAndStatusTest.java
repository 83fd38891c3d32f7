package dev.runbook.simulator.api;

import static dev.runbook.simulator.Scenarios.node;
import static dev.runbook.simulator.Scenarios.runningPod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.RawApi;
import dev.runbook.simulator.SimulatedCluster;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@DisplayName("patches, optimistic concurrency and status subresources behave as kubectl and controllers expect")
class PatchAndStatusTest {
  private SimulatedCluster cluster;
  private RawApi api;

  @BeforeEach
  void start() {
    cluster = SimulatedCluster.builder().scenario(node("worker-1") + runningPod("shop", "web-1", "worker-1", "{app: web}"))
        .start();
    api = new RawApi(cluster.masterUrl());
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private Node worker() {
    return cluster.client().nodes().withName("worker-1").get();
  }

  @Test
  @DisplayName("a strategic merge patch cordons and uncordons a node, as kubectl cordon sends it")
  void strategicMergeCordon() {
    String smp = "application/strategic-merge-patch+json";

    assertEquals(200, api.patch("/api/v1/nodes/worker-1", smp, "{\"spec\":{\"unschedulable\":true}}").code());
    assertTrue(worker().getSpec().getUnschedulable());

    assertEquals(200, api.patch("/api/v1/nodes/worker-1", smp, "{\"spec\":{\"unschedulable\":null}}").code());
    assertEquals(null, worker().getSpec().getUnschedulable());
  }

  @Test
  @DisplayName("strategic merge patches merge keyed lists and honour $patch: delete")
  void strategicMergeKeyedLists() {
    String smp = "application/strategic-merge-patch+json";
    String path = "/api/v1/namespaces/shop/pods/web-1/status";

    api.patch(path, smp, "{\"status\":{\"conditions\":[{\"type\":\"DisruptionTarget\",\"status\":\"True\"}]}}");
    Pod pod = cluster.client().pods().inNamespace("shop").withName("web-1").get();
    assertEquals(2, pod.getStatus().getConditions().size(), "Ready is kept, DisruptionTarget added");

    api.patch(path, smp, "{\"status\":{\"conditions\":[{\"type\":\"DisruptionTarget\",\"$patch\":\"delete\"}]}}");
    pod = cluster.client().pods().inNamespace("shop").withName("web-1").get();
    assertEquals("Ready", pod.getStatus().getConditions().get(0).getType());
    assertEquals(1, pod.getStatus().getConditions().size());
  }

  @Test
  @Timeout(20)
  @DisplayName("a JSON patch replacing a missing field answers 422 at once instead of hanging")
  void jsonPatchOfAMissingFieldFails() {
    RawApi.Answer answer =
        api.patch("/api/v1/nodes/worker-1", "application/json-patch+json",
            "[{\"op\":\"replace\",\"path\":\"/spec/taints/0/effect\",\"value\":\"NoExecute\"}]");

    assertEquals(422, answer.code());
  }

  @Test
  @DisplayName("an update carrying a stale resourceVersion answers 409 Conflict")
  void staleUpdateConflicts() {
    Node stale = worker();
    cluster.client().nodes().withName("worker-1").edit(n -> { n.getMetadata().getLabels().put("a", "b"); return n; });

    stale.getMetadata().setLabels(java.util.Map.of("c", "d"));
    KubernetesClientException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            KubernetesClientException.class, () -> cluster.client().nodes().resource(stale).update());

    assertEquals(409, e.getCode());
  }

  @Test
  @DisplayName("every object gets uid, resourceVersion, creationTimestamp and generation; generation moves with spec")
  void serverOwnedMetadata() {
    Node before = worker();
    assertFalse(before.getMetadata().getUid().isEmpty());
    assertFalse(before.getMetadata().getCreationTimestamp().isEmpty());
    assertEquals(1L, before.getMetadata().getGeneration());

    cluster.client().nodes().withName("worker-1").edit(n -> { n.setSpec(new io.fabric8.kubernetes.api.model.NodeSpecBuilder().withUnschedulable(true).build()); return n; });
    Node after = worker();

    assertEquals(2L, after.getMetadata().getGeneration());
    assertTrue(Long.parseLong(after.getMetadata().getResourceVersion())
        > Long.parseLong(before.getMetadata().getResourceVersion()));
    assertEquals(before.getMetadata().getUid(), after.getMetadata().getUid());
  }

  @Test
  @DisplayName("the main resource keeps status; the status subresource changes only status (pods, nodes, PDBs, VMIs)")
  void statusSubresource() {
    Pod pod = cluster.client().pods().inNamespace("shop").withName("web-1").get();
    pod.getStatus().setPhase("Failed");
    pod.getMetadata().getLabels().put("edited", "yes");
    cluster.client().pods().resource(pod).update();
    Pod afterMain = cluster.client().pods().inNamespace("shop").withName("web-1").get();
    assertEquals("Running", afterMain.getStatus().getPhase());
    assertEquals("yes", afterMain.getMetadata().getLabels().get("edited"));

    afterMain.getStatus().setPhase("Succeeded");
    afterMain.getMetadata().getLabels().put("edited", "again");
    cluster.client().pods().resource(afterMain).updateStatus();
    Pod afterStatus = cluster.client().pods().inNamespace("shop").withName("web-1").get();
    assertEquals("Succeeded", afterStatus.getStatus().getPhase());
    assertEquals("yes", afterStatus.getMetadata().getLabels().get("edited"));

    String vmi = """
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"vm1"},
         "spec":{"domain":{}},"status":{"phase":"Running"}}""";
    assertEquals(201, api.post("/apis/kubevirt.io/v1/namespaces/shop/virtualmachineinstances", vmi).code());
    assertEquals(200, api.patch("/apis/kubevirt.io/v1/namespaces/shop/virtualmachineinstances/vm1/status",
        "application/merge-patch+json", "{\"status\":{\"phase\":\"Scheduled\",\"nodeName\":\"worker-1\"}}").code());
    var stored = api.get("/apis/kubevirt.io/v1/namespaces/shop/virtualmachineinstances/vm1").body();
    assertEquals("Scheduled", stored.path("status").path("phase").asString(), "a created VMI starts without status");
    assertEquals("worker-1", stored.path("status").path("nodeName").asString());
  }
}
