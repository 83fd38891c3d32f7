package dev.runbook.simulator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.RawApi;
import dev.runbook.simulator.SimulatedCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Custom resources behave as the apiextensions apiserver serves them: the status subresource splits spec from
 * status, generation follows the spec, finalizers hold a deleted resource until the last one goes, and tables carry
 * the CRD's printer columns.
 */
@DisplayName("custom resources follow the apiextensions apiserver's rules")
class CustomResourceTest {
  private static final String NMS = "/apis/nodemaintenance.kubevirt.io/v1beta1/nodemaintenances";
  private static final String WIDGETS = "/apis/example.com/v1/widgets";
  private static final String CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  private static final String MERGE = "application/merge-patch+json";

  private SimulatedCluster cluster;
  private RawApi api;

  @BeforeEach
  void start() throws IOException {
    cluster = SimulatedCluster.builder().start();
    api = new RawApi(cluster.masterUrl());
    String crd = Files.readString(Path.of("..", "deploy", "crds", "nodemaintenance.kubevirt.io_nodemaintenances.yaml"));
    assertEquals(201, api.post(CRDS, Json.write(Json.YAML.readTree(crd))).code());
    // A CRD without a status subresource, to see the other rule.
    assertEquals(201, api.post(CRDS, """
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
         "metadata":{"name":"widgets.example.com"},
         "spec":{"group":"example.com","scope":"Namespaced",
                 "names":{"kind":"Widget","plural":"widgets","singular":"widget","listKind":"WidgetList"},
                 "versions":[{"name":"v1","served":true,"storage":true,
                              "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}
        """).code());
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private static String nodeMaintenance(String name, String extra) {
    return """
        {"apiVersion":"nodemaintenance.kubevirt.io/v1beta1","kind":"NodeMaintenance","metadata":{"name":"%s"%s},
         "spec":{"nodeName":"worker-1","reason":"firmware"},"status":{"phase":"Succeeded","drainProgress":100}}"""
        .formatted(name, extra);
  }

  private JsonNode get(String path) {
    RawApi.Answer answer = api.get(path);
    assertEquals(200, answer.code(), answer.body().toString());
    return answer.body();
  }

  private static long generation(JsonNode object) {
    return object.path("metadata").path("generation").asLong();
  }

  /** The watch events since a resourceVersion, replayed from the server's history (the watch ends after 1 s). */
  private List<JsonNode> eventsSince(String path, String resourceVersion) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(cluster.masterUrl() + path + "?watch=true&timeoutSeconds=1&resourceVersion="
            + resourceVersion)).build(), HttpResponse.BodyHandlers.ofString());
    List<JsonNode> events = new ArrayList<>();
    response.body().lines().filter(l -> !l.isBlank()).forEach(l -> events.add(Json.parse(l)));
    return events;
  }

  @Test
  @DisplayName("a create drops status when the CRD has a status subresource, and starts the generation at 1")
  void createDropsStatus() {
    RawApi.Answer created = api.post(NMS, nodeMaintenance("nm-1", ""));

    assertEquals(201, created.code(), created.body().toString());
    assertFalse(created.body().has("status"), created.body().toString());
    assertEquals(1, generation(created.body()));
    assertFalse(get(NMS + "/nm-1").has("status"));
  }

  @Test
  @DisplayName("an update or patch of the resource keeps the stored status; only a spec change moves the generation")
  void mainResourceKeepsStatus() {
    api.post(NMS, nodeMaintenance("nm-1", ""));
    assertEquals(200, api.patch(NMS + "/nm-1/status", MERGE, "{\"status\":{\"phase\":\"Running\"}}").code());

    JsonNode labelled = api.patch(NMS + "/nm-1", MERGE,
        "{\"metadata\":{\"labels\":{\"team\":\"infra\"}},\"status\":{\"phase\":\"Failed\"}}").body();
    assertEquals("Running", labelled.path("status").path("phase").asString());
    assertEquals(1, generation(labelled), "a metadata change leaves the generation");

    JsonNode current = get(NMS + "/nm-1");
    ((tools.jackson.databind.node.ObjectNode) current.path("spec")).put("reason", "kernel");
    ((tools.jackson.databind.node.ObjectNode) current.path("status")).put("phase", "Failed");
    RawApi.Answer updated = api.put(NMS + "/nm-1", Json.write(current));

    assertEquals(200, updated.code(), updated.body().toString());
    assertEquals("kernel", updated.body().path("spec").path("reason").asString());
    assertEquals("Running", updated.body().path("status").path("phase").asString());
    assertEquals(2, generation(updated.body()));
  }

  @Test
  @DisplayName("an update or patch of /status changes only status and leaves the generation")
  void statusSubresourceChangesOnlyStatus() {
    api.post(NMS, nodeMaintenance("nm-1", ""));

    RawApi.Answer patched = api.patch(NMS + "/nm-1/status", MERGE,
        "{\"metadata\":{\"labels\":{\"sneaky\":\"yes\"}},\"spec\":{\"reason\":\"other\"},"
            + "\"status\":{\"phase\":\"Running\",\"drainProgress\":40}}");
    assertEquals(200, patched.code(), patched.body().toString());

    JsonNode stored = get(NMS + "/nm-1");
    assertEquals("Running", stored.path("status").path("phase").asString());
    assertEquals(40, stored.path("status").path("drainProgress").asInt());
    assertEquals("firmware", stored.path("spec").path("reason").asString());
    assertFalse(stored.path("metadata").has("labels"), stored.toString());
    assertEquals(1, generation(stored));

    ((tools.jackson.databind.node.ObjectNode) stored.path("status")).put("phase", "Succeeded");
    assertEquals(200, api.put(NMS + "/nm-1/status", Json.write(stored)).code());
    assertEquals("Succeeded", get(NMS + "/nm-1").path("status").path("phase").asString());
  }

  @Test
  @DisplayName("without a status subresource, a create keeps status and a status change moves the generation")
  void withoutStatusSubresourceStatusIsContent() {
    RawApi.Answer created = api.post(WIDGETS.replace("/widgets", "/namespaces/default/widgets"),
        "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\"},\"status\":{\"ok\":true}}");
    assertEquals(201, created.code(), created.body().toString());
    assertTrue(created.body().path("status").path("ok").asBoolean());

    JsonNode patched = api.patch("/apis/example.com/v1/namespaces/default/widgets/w", MERGE,
        "{\"status\":{\"ok\":false}}").body();

    assertFalse(patched.path("status").path("ok").asBoolean(true));
    assertEquals(2, generation(patched));
    assertEquals(404, api.get("/apis/example.com/v1/namespaces/default/widgets/w/status").code());
  }

  @Test
  @DisplayName("a delete marks a resource with finalizers: deletionTimestamp, generation + 1, one MODIFIED event")
  void deleteMarksAResourceWithFinalizers() throws Exception {
    JsonNode created = api.post(NMS, nodeMaintenance("nm-1", ",\"finalizers\":[\"runbook.dev/workflow\"]")).body();
    String version = created.path("metadata").path("resourceVersion").asString();

    RawApi.Answer deleted = api.delete(NMS + "/nm-1", "{}");

    assertEquals(200, deleted.code());
    JsonNode stored = get(NMS + "/nm-1");
    assertTrue(stored.path("metadata").has("deletionTimestamp"), stored.toString());
    assertEquals(0, stored.path("metadata").path("deletionGracePeriodSeconds").asInt(-1));
    assertEquals(2, generation(stored));
    List<JsonNode> events = eventsSince(NMS, version);
    assertEquals(List.of("MODIFIED"), events.stream().map(e -> e.path("type").asString()).toList());

    assertEquals(200, api.delete(NMS + "/nm-1", "{}").code(), "deleting again is no error");
    assertEquals(2, generation(get(NMS + "/nm-1")), "nor a change");
  }

  @Test
  @DisplayName("no finalizer may be added to a resource that is being deleted")
  void noNewFinalizersWhileDeleting() {
    api.post(NMS, nodeMaintenance("nm-1", ",\"finalizers\":[\"runbook.dev/workflow\"]"));
    api.delete(NMS + "/nm-1", "{}");

    RawApi.Answer refused = api.patch(NMS + "/nm-1", MERGE,
        "{\"metadata\":{\"finalizers\":[\"runbook.dev/workflow\",\"other.io/cleanup\"]}}");

    assertEquals(422, refused.code());
    assertEquals("NodeMaintenance.nodemaintenance.kubevirt.io \"nm-1\" is invalid: metadata.finalizers: Forbidden: "
        + "no new finalizers can be added if the object is being deleted, found new finalizers "
        + "[]string{\"other.io/cleanup\"}", refused.body().path("message").asString());
  }

  @ParameterizedTest(name = "by {0}")
  @ValueSource(strings = {"merge patch", "JSON patch", "update"})
  @DisplayName("removing the last finalizer of a resource being deleted removes it, with a DELETED event")
  void lastFinalizerGoneDeletes(String how) throws Exception {
    api.post(NMS, nodeMaintenance("nm-1", ",\"finalizers\":[\"runbook.dev/workflow\",\"other.io/cleanup\"]"));
    api.delete(NMS + "/nm-1", "{}");
    assertEquals(200, api.patch(NMS + "/nm-1", "application/json-patch+json",
        "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers/1\"}]").code());
    JsonNode marked = get(NMS + "/nm-1");
    String version = marked.path("metadata").path("resourceVersion").asString();

    RawApi.Answer answer = switch (how) {
      case "merge patch" -> api.patch(NMS + "/nm-1", MERGE, "{\"metadata\":{\"finalizers\":null}}");
      case "JSON patch" -> api.patch(NMS + "/nm-1", "application/json-patch+json",
          "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]");
      default -> {
        ((tools.jackson.databind.node.ObjectNode) marked.path("metadata")).putArray("finalizers");
        yield api.put(NMS + "/nm-1", Json.write(marked));
      }
    };

    assertEquals(200, answer.code(), answer.body().toString());
    assertEquals(404, api.get(NMS + "/nm-1").code());
    assertEquals(List.of("DELETED"), eventsSince(NMS, version).stream().map(e -> e.path("type").asString()).toList());
  }

  @Test
  @DisplayName("fields the CRD's schema does not declare, and nulls, are pruned on create and on a status update")
  void unknownFieldsArePruned() {
    RawApi.Answer created = api.post(NMS, """
        {"apiVersion":"nodemaintenance.kubevirt.io/v1beta1","kind":"NodeMaintenance","metadata":{"name":"nm-1"},
         "spec":{"nodeName":"worker-1","reason":null,"drainTimeout":"5m"}}""");
    assertEquals(201, created.code(), created.body().toString());
    assertEquals("{\"nodeName\":\"worker-1\"}", Json.write(created.body().path("spec")));

    RawApi.Answer status = api.patch(NMS + "/nm-1/status", MERGE, """
        {"status":{"phase":"Running","stage":"DRAINING",
                   "pendingPodsRefs":[{"namespace":"shop","name":"db-0","uid":"x"}]}}""");

    assertEquals(200, status.code(), status.body().toString());
    assertEquals("{\"phase\":\"Running\",\"pendingPodsRefs\":[{\"namespace\":\"shop\",\"name\":\"db-0\"}]}",
        Json.write(get(NMS + "/nm-1").path("status")));
  }

  @Test
  @DisplayName("a resource its schema refuses is answered 422 with the apiserver's message, and not stored")
  void invalidResourcesAreRefused() {
    String nm = "{\"apiVersion\":\"nodemaintenance.kubevirt.io/v1beta1\",\"kind\":\"NodeMaintenance\","
        + "\"metadata\":{\"name\":\"nm-1\"},\"spec\":%s}";

    RawApi.Answer missing = api.post(NMS, nm.formatted("{\"reason\":\"x\"}"));
    RawApi.Answer twoErrors = api.post(NMS, nm.formatted("{\"nodeName\":\"\",\"reason\":7}"));

    assertEquals(422, missing.code());
    assertEquals("NodeMaintenance.nodemaintenance.kubevirt.io \"nm-1\" is invalid: spec.nodeName: Required value",
        missing.body().path("message").asString());
    assertEquals("NodeMaintenance.nodemaintenance.kubevirt.io \"nm-1\" is invalid: [spec.nodeName: Invalid value: "
        + "\"\": spec.nodeName in body should be at least 1 chars long, spec.reason: Invalid value: \"integer\": "
        + "spec.reason in body must be of type string: \"integer\"]", twoErrors.body().path("message").asString());
    assertEquals(404, api.get(NMS + "/nm-1").code());

    api.post(NMS, nm.formatted("{\"nodeName\":\"worker-1\"}"));
    RawApi.Answer badPhase = api.patch(NMS + "/nm-1/status", MERGE, "{\"status\":{\"phase\":\"Done\"}}");
    assertEquals(422, badPhase.code());
    assertEquals("NodeMaintenance.nodemaintenance.kubevirt.io \"nm-1\" is invalid: status.phase: Unsupported value: "
        + "\"Done\": supported values: \"Running\", \"Succeeded\", \"Failed\"", badPhase.body().path("message").asString());
  }

  @Test
  @DisplayName("a table of custom resources has Name, then the CRD's columns; a path that finds nothing is a null cell")
  void tableCarriesPrinterColumns() {
    api.post(NMS, nodeMaintenance("nm-1", ""));
    api.patch(NMS + "/nm-1/status", MERGE, "{\"status\":{\"phase\":\"Running\",\"drainProgress\":40}}");
    api.post(NMS, nodeMaintenance("nm-2", ""));

    JsonNode table = new RawApi(cluster.masterUrl()).getAs(NMS, "application/json;as=Table;v=v1;g=meta.k8s.io").body();

    List<String> columns = new ArrayList<>();
    table.path("columnDefinitions").forEach(c -> columns.add(c.path("name").asString() + ":" + c.path("type").asString()));
    assertEquals(List.of("Name:string", "Node:string", "Phase:string", "Progress:integer", "Age:date"), columns);
    assertEquals("Percentage of the pods to evict that are gone",
        table.path("columnDefinitions").path(3).path("description").asString());
    JsonNode first = table.path("rows").path(0).path("cells");
    assertEquals("nm-1", first.path(0).asString());
    assertEquals("worker-1", first.path(1).asString());
    assertEquals("Running", first.path(2).asString());
    assertTrue(first.path(3).isIntegralNumber(), first.toString());
    assertEquals(40, first.path(3).asInt());
    assertTrue(first.path(4).asString().matches("\\d+s"), first.toString());
    JsonNode second = table.path("rows").path(1).path("cells");
    assertTrue(second.path(2).isNull() && second.path(3).isNull(), second.toString());
  }

  @Test
  @DisplayName("a CRD without printer columns prints Name and Age; an updated CRD prints its new columns at once")
  void crdUpdateChangesColumns() {
    String accept = "application/json;as=Table;v=v1;g=meta.k8s.io";
    String widgets = "/apis/example.com/v1/namespaces/default/widgets";
    JsonNode before = api.getAs(widgets, accept).body();
    assertEquals("Name,Age", names(before));

    JsonNode crd = get(CRDS + "/widgets.example.com");
    tools.jackson.databind.node.ObjectNode column =
        ((tools.jackson.databind.node.ObjectNode) crd.path("spec").path("versions").path(0))
            .putArray("additionalPrinterColumns").addObject();
    column.put("name", "Color");
    column.put("type", "string");
    column.put("jsonPath", ".spec.color");
    assertEquals(200, api.put(CRDS + "/widgets.example.com", Json.write(crd)).code());

    assertEquals("Name,Color", names(api.getAs(widgets, accept).body()));
  }

  private static String names(JsonNode table) {
    List<String> names = new ArrayList<>();
    table.path("columnDefinitions").forEach(c -> names.add(c.path("name").asString()));
    return String.join(",", names);
  }

  @Test
  @DisplayName("discovery lists the custom groups after the built-in ones, in the aggregator's order")
  void discoveryOrdersCustomGroups() {
    List<String> groups = new ArrayList<>();
    get("/apis").path("groups").forEach(g -> groups.add(g.path("name").asString()));

    int kubevirt = groups.indexOf("kubevirt.io");
    assertTrue(groups.indexOf("admissionregistration.k8s.io") < kubevirt, groups.toString());
    assertEquals(List.of("example.com", "kubevirt.io", "nodemaintenance.kubevirt.io"),
        groups.subList(groups.indexOf("example.com"), groups.size()), groups.toString());
  }
}
