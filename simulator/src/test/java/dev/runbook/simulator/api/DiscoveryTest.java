package dev.runbook.simulator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.RawApi;
import dev.runbook.simulator.SimulatedCluster;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

@DisplayName("discovery describes what is served, including subresources and the KubeVirt CRDs")
class DiscoveryTest {
  private SimulatedCluster cluster;
  private RawApi api;

  @BeforeEach
  void start() {
    cluster = SimulatedCluster.builder().start();
    api = new RawApi(cluster.masterUrl());
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private static JsonNode resource(JsonNode list, String name) {
    for (JsonNode r : list.path("resources")) {
      if (r.path("name").asString().equals(name)) {
        return r;
      }
    }
    throw new AssertionError(name + " not in " + list);
  }

  @Test
  @DisplayName("/api/v1 lists pods with pods/eviction served by policy/v1, and nodes/status")
  void coreResources() {
    JsonNode core = api.get("/api/v1").body();

    JsonNode pods = resource(core, "pods");
    assertTrue(pods.path("namespaced").asBoolean());
    assertEquals("po", pods.path("shortNames").get(0).asString());
    JsonNode eviction = resource(core, "pods/eviction");
    assertEquals("policy", eviction.path("group").asString());
    assertEquals("v1", eviction.path("version").asString());
    assertEquals("Eviction", eviction.path("kind").asString());
    assertEquals("create", eviction.path("verbs").get(0).asString());
    assertEquals("Node", resource(core, "nodes/status").path("kind").asString());
    assertTrue(!resource(core, "nodes").path("namespaced").asBoolean());
  }

  @Test
  @DisplayName("/apis lists the groups this project touches, KubeVirt included, and /version answers")
  void groups() {
    List<String> names = new ArrayList<>();
    api.get("/apis").body().path("groups").forEach(g -> names.add(g.path("name").asString()));

    assertTrue(names.containsAll(List.of("apps", "batch", "policy", "coordination.k8s.io", "events.k8s.io",
        "apiextensions.k8s.io", "kubevirt.io")), names.toString());
    JsonNode kubevirt = api.get("/apis/kubevirt.io/v1").body();
    assertEquals("vmi", resource(kubevirt, "virtualmachineinstances").path("shortNames").get(0).asString());
    assertEquals("VirtualMachineInstance", resource(kubevirt, "virtualmachineinstances/status").path("kind").asString());
    assertEquals("32", api.get("/version").body().path("minor").asString());
  }

  @Test
  @DisplayName("fabric8 generic resources reach the KubeVirt CRDs through discovery")
  void genericKubevirtResources() {
    var vms = cluster.client().genericKubernetesResources("kubevirt.io/v1", "VirtualMachine").inNamespace("default");
    vms.resource(new GenericKubernetesResourceBuilder().withApiVersion("kubevirt.io/v1").withKind("VirtualMachine")
        .withNewMetadata().withName("fedora").endMetadata()
        .withAdditionalProperties(Map.of("spec", Map.of("runStrategy", "Always"))).build()).create();

    GenericKubernetesResource vm = vms.withName("fedora").get();

    assertEquals("Always", ((Map<?, ?>) vm.getAdditionalProperties().get("spec")).get("runStrategy"));
  }

  @Test
  @DisplayName("a CRD created at run time is served at once")
  void crdAtRunTime() {
    String crd = """
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
         "metadata":{"name":"nodemaintenances.nodemaintenance.medik8s.io"},
         "spec":{"group":"nodemaintenance.medik8s.io","scope":"Cluster",
          "names":{"kind":"NodeMaintenance","plural":"nodemaintenances","singular":"nodemaintenance","shortNames":["nm"]},
          "versions":[{"name":"v1beta1","served":true,"storage":true,"subresources":{"status":{}}}]}}""";

    assertEquals(201, api.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).code());

    assertEquals(
        201,
        api.post("/apis/nodemaintenance.medik8s.io/v1beta1/nodemaintenances",
            "{\"apiVersion\":\"nodemaintenance.medik8s.io/v1beta1\",\"kind\":\"NodeMaintenance\","
                + "\"metadata\":{\"name\":\"nm-1\"},\"spec\":{\"nodeName\":\"worker-1\"}}").code());
    assertEquals(1, api.get("/apis/nodemaintenance.medik8s.io/v1beta1/nodemaintenances").body().path("items").size());
  }
}
