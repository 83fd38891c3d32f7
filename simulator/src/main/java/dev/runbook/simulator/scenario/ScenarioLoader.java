package dev.runbook.simulator.scenario;

import dev.runbook.simulator.api.ApiException;
import dev.runbook.simulator.api.Json;
import dev.runbook.simulator.api.ResourceStore;
import dev.runbook.simulator.api.ResourceType;
import dev.runbook.simulator.api.Selectors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.node.ObjectNode;

/**
 * Loads a scenario: plain multi-document Kubernetes YAML. Objects are stored as written, status included, so a
 * pod can start out Running on a node before any controller has run; namespaces are created when implied;
 * ownerReferences without a uid are resolved by kind and name (UIDs are the server's to assign); a PDB without a
 * status gets the one the disruption controller would compute from the pods as loaded.
 */
public final class ScenarioLoader {
  /** Kinds in the order they are created, so owners exist before their dependents. */
  private static final List<String> ORDER =
      List.of("CustomResourceDefinition", "Namespace", "Node", "StorageClass", "PersistentVolume",
          "PersistentVolumeClaim", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
          "VirtualMachine", "VirtualMachineInstance", "Pod", "PodDisruptionBudget");

  public static final String DEMO_RESOURCE = "/scenarios/demo.yaml";

  private final ResourceStore store;

  public ScenarioLoader(ResourceStore store) {
    this.store = store;
  }

  public static String demoScenario() {
    try (InputStream in = ScenarioLoader.class.getResourceAsStream(DEMO_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the demo scenario " + DEMO_RESOURCE + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the demo scenario", e);
    }
  }

  /** Parse the documents (a {@code kind: List} is unpacked). Fails on a document that is not an object. */
  public static List<ObjectNode> parse(String yaml) {
    List<ObjectNode> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = Json.YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc == null || doc.isNull() || doc.isMissingNode() || doc.isEmpty()) {
          continue;
        }
        if (!doc.isObject() || Json.text(doc, "kind").isEmpty() || Json.text(doc, "apiVersion").isEmpty()) {
          throw new IllegalArgumentException("scenario document is not a Kubernetes object (needs apiVersion and "
              + "kind): " + abbreviate(doc.toString()));
        }
        if (Json.text(doc, "kind").endsWith("List") && doc.has("items")) {
          doc.path("items").forEach(item -> objects.add((ObjectNode) item));
        } else {
          objects.add((ObjectNode) doc);
        }
      }
    }
    return objects;
  }

  private static String abbreviate(String s) {
    return s.length() > 120 ? s.substring(0, 120) + "..." : s;
  }

  /** @return how many objects were created */
  public int load(String yaml) {
    List<ObjectNode> objects = new ArrayList<>(parse(yaml));
    objects.sort(Comparator.comparingInt(o -> rank(Json.text(o, "kind"))));
    int created = 0;
    for (ObjectNode object : objects) {
      String kind = Json.text(object, "kind");
      ResourceType type =
          store.registry()
              .byKind(Json.text(object, "apiVersion"), kind)
              .orElseThrow(
                  () -> new IllegalArgumentException("scenario: unknown kind " + kind + " (apiVersion "
                      + Json.text(object, "apiVersion") + ") in " + Json.text(object, "metadata.name")));
      String namespace = null;
      if (type.namespaced()) {
        namespace = Json.text(object, "metadata.namespace");
        if (namespace.isEmpty()) {
          namespace = "default";
        }
        store.ensureNamespace(namespace);
      }
      if (kind.equals("Namespace")) {
        if (store.get(type, null, Json.text(object, "metadata.name")).isPresent()) {
          continue;
        }
      }
      resolveOwners(object, namespace);
      if (kind.equals("PodDisruptionBudget")) {
        if (!object.has("status")) {
          object.set("status", initialPdbStatus(object, namespace));
        } else if (!object.path("status").has("observedGeneration")) {
          // A status written in a scenario is current; without this the eviction API would answer 429 ("still
          // being processed") until a disruption controller caught up.
          ((ObjectNode) object.get("status")).put("observedGeneration", 1);
        }
      }
      try {
        store.create(type, namespace, object, true);
      } catch (ApiException e) {
        throw new IllegalArgumentException("scenario: cannot create " + kind + " " + Json.text(object,
            "metadata.name") + ": " + e.getMessage(), e);
      }
      created++;
    }
    return created;
  }

  private static int rank(String kind) {
    int at = ORDER.indexOf(kind);
    return at < 0 ? ORDER.size() : at;
  }

  private void resolveOwners(ObjectNode object, String namespace) {
    for (JsonNode owner : object.path("metadata").path("ownerReferences")) {
      if (!owner.path("uid").asString("").isEmpty()) {
        continue;
      }
      String apiVersion = owner.path("apiVersion").asString("");
      String kind = owner.path("kind").asString("");
      String name = owner.path("name").asString("");
      store.registry().byKind(apiVersion, kind)
          .flatMap(t -> store.get(t, namespace, name))
          .ifPresent(o -> ((ObjectNode) owner).put("uid", Json.text(o, "metadata.uid")));
    }
  }

  /** What the disruption controller would say of a budget over the pods as loaded. */
  private JsonNode initialPdbStatus(ObjectNode pdb, String namespace) {
    ResourceType pods = store.registry().find("", "v1", "pods").orElseThrow();
    JsonNode selector = pdb.path("spec").get("selector");
    List<ObjectNode> selected =
        store.list(pods, namespace, p -> Selectors.matches(selector, Selectors.labelsOf(p)));
    int expected = selected.size();
    int healthy = 0;
    for (ObjectNode pod : selected) {
      boolean ready = false;
      for (JsonNode c : pod.path("status").path("conditions")) {
        ready |= "Ready".equals(c.path("type").asString("")) && "True".equals(c.path("status").asString(""));
      }
      if (ready && !pod.path("metadata").has("deletionTimestamp")) {
        healthy++;
      }
    }
    int desired;
    JsonNode spec = pdb.path("spec");
    if (spec.has("maxUnavailable")) {
      desired = Math.max(0, expected - scaled(spec.get("maxUnavailable"), expected));
    } else if (spec.has("minAvailable")) {
      desired = scaled(spec.get("minAvailable"), expected);
    } else {
      desired = expected;
    }
    ObjectNode status = Json.object();
    status.put("observedGeneration", 1);
    status.put("expectedPods", expected);
    status.put("currentHealthy", healthy);
    status.put("desiredHealthy", desired);
    int allowed = Math.max(0, healthy - desired);
    status.put("disruptionsAllowed", allowed);
    ObjectNode condition = status.putArray("conditions").addObject();
    condition.put("type", "DisruptionAllowed");
    condition.put("status", allowed > 0 ? "True" : "False");
    condition.put("reason", allowed > 0 ? "SufficientPods" : "InsufficientPods");
    condition.put("message", "");
    condition.put("observedGeneration", 1);
    condition.put("lastTransitionTime", Json.now());
    return status;
  }

  private static int scaled(JsonNode intOrPercent, int total) {
    String text = intOrPercent.asString();
    if (text.endsWith("%")) {
      return (int) Math.ceil(total * Integer.parseInt(text.substring(0, text.length() - 1)) / 100.0);
    }
    return Integer.parseInt(text);
  }
}
