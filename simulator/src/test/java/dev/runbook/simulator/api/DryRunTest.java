package dev.runbook.simulator.api;

import static dev.runbook.simulator.Scenarios.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.RawApi;
import dev.runbook.simulator.SimulatedCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code ?dryRun=All}: the request is validated and answered as if done, and nothing changes. Every stored change
 * takes a resourceVersion (and every watch event carries one), so an unchanged cluster-wide resourceVersion shows
 * that nothing was stored and no watcher was told.
 */
@DisplayName("server-side dry run answers as if done and changes nothing")
class DryRunTest {
  private static final String CONFIGMAPS = "/api/v1/namespaces/default/configmaps";
  private static final String MERGE = "application/merge-patch+json";

  private SimulatedCluster cluster;
  private RawApi api;

  @BeforeEach
  void start() {
    cluster = SimulatedCluster.builder().scenario(node("worker-1") + """
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings, namespace: default, finalizers: [example.com/keep]}
        data: {mode: blue}
        """).start();
    api = new RawApi(cluster.masterUrl());
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private String version() {
    return api.get("/api/v1/namespaces").body().path("metadata").path("resourceVersion").asString();
  }

  @Test
  @DisplayName("a dry-run create answers 201 with the object the server would make, without a resourceVersion")
  void create() {
    String before = version();

    RawApi.Answer answer = api.post(CONFIGMAPS + "?dryRun=All",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"generateName\":\"app-\"},\"data\":{\"a\":\"b\"}}");

    assertEquals(201, answer.code(), answer.body().toString());
    JsonNode metadata = answer.body().path("metadata");
    assertTrue(metadata.path("name").asString().startsWith("app-"));
    assertFalse(metadata.path("uid").asString().isEmpty());
    assertFalse(metadata.has("resourceVersion"), metadata.toString());
    assertEquals(404, api.get(CONFIGMAPS + "/" + metadata.path("name").asString()).code());
    assertEquals(before, version());
  }

  @Test
  @DisplayName("a dry-run create is still validated: an existing name answers 409, a missing namespace 404")
  void createIsValidated() {
    String cm = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"settings\"}}";

    assertEquals(409, api.post(CONFIGMAPS + "?dryRun=All", cm).code());
    assertEquals(404, api.post("/api/v1/namespaces/nowhere/configmaps?dryRun=All", cm).code());
  }

  @Test
  @DisplayName("a dry-run update or patch answers the changed object; the stored one stays as it was")
  void updateAndPatch() {
    String before = version();
    JsonNode current = api.get(CONFIGMAPS + "/settings").body();
    ((tools.jackson.databind.node.ObjectNode) current.path("data")).put("mode", "green");

    RawApi.Answer updated = api.put(CONFIGMAPS + "/settings?dryRun=All", Json.write(current));
    RawApi.Answer patched = api.patch(CONFIGMAPS + "/settings?dryRun=All", MERGE, "{\"data\":{\"mode\":\"red\"}}");
    RawApi.Answer status = api.patch("/api/v1/nodes/worker-1/status?dryRun=All", MERGE,
        "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}]}}");

    assertEquals("green", updated.body().path("data").path("mode").asString());
    assertEquals("red", patched.body().path("data").path("mode").asString());
    assertEquals(before, patched.body().path("metadata").path("resourceVersion").asString());
    assertEquals(200, status.code());
    assertEquals("blue", api.get(CONFIGMAPS + "/settings").body().path("data").path("mode").asString());
    assertEquals("True", api.get("/api/v1/nodes/worker-1").body().path("status").path("conditions").path(0)
        .path("status").asString());
    assertEquals(before, version());
  }

  @Test
  @DisplayName("a dry-run delete, by query or by DeleteOptions, and a dry-run delete-collection keep the objects")
  void delete() {
    String before = version();

    assertEquals(200, api.delete("/api/v1/nodes/worker-1?dryRun=All", "").code());
    assertEquals(200, api.delete("/api/v1/nodes/worker-1", "{\"dryRun\":[\"All\"]}").code());
    RawApi.Answer marked = api.delete(CONFIGMAPS + "/settings?dryRun=All", "");
    assertEquals(200, api.delete(CONFIGMAPS + "?dryRun=All", "").code());

    assertTrue(marked.body().path("metadata").has("deletionTimestamp"), "answered as the real delete would");
    assertEquals(200, api.get("/api/v1/nodes/worker-1").code());
    assertFalse(api.get(CONFIGMAPS + "/settings").body().path("metadata").has("deletionTimestamp"));
    assertEquals(before, version());
  }

  @Test
  @DisplayName("a dry-run CustomResourceDefinition does not serve its resource")
  void crd() {
    RawApi.Answer answer = api.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions?dryRun=All", """
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},
         "spec":{"group":"example.com","scope":"Namespaced","names":{"kind":"Widget","plural":"widgets"},
                 "versions":[{"name":"v1","served":true,"storage":true}]}}""");

    assertEquals(201, answer.code());
    assertEquals(404, api.get("/apis/example.com/v1/namespaces/default/widgets").code());
  }

  @Test
  @DisplayName("a dryRun value other than All is refused with 400")
  void unsupportedValue() {
    RawApi.Answer answer = api.delete("/api/v1/nodes/worker-1?dryRun=Some", "");

    assertEquals(400, answer.code());
    assertEquals("dryRun: Unsupported value: \"Some\": supported values: \"All\"", answer.body().path("message").asString());
    assertEquals(200, api.get("/api/v1/nodes/worker-1").code());
  }
}
