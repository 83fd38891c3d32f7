package dev.runbook.simulator.api;

import io.fabric8.zjsonpatch.JsonPatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The three patch types kubectl and fabric8 send. Strategic merge is approximated: a JSON merge patch in which the
 * lists Kubernetes declares {@code patchStrategy=merge} are merged by their key, with the {@code $patch} and
 * {@code $deleteFromPrimitiveList} directives kubectl emits; every other list is atomic, as in the real schema
 * (node taints and pod tolerations are atomic there too).
 */
public final class Patches {
  private Patches() {}

  /** Lists merged by key in a strategic merge patch, by field name. "" = a merged list of primitives. */
  private static final Map<String, String> MERGE_KEYS =
      Map.ofEntries(
          Map.entry("containers", "name"),
          Map.entry("initContainers", "name"),
          Map.entry("ephemeralContainers", "name"),
          Map.entry("volumes", "name"),
          Map.entry("env", "name"),
          Map.entry("volumeMounts", "mountPath"),
          Map.entry("ports", "containerPort"),
          Map.entry("conditions", "type"),
          Map.entry("ownerReferences", "uid"),
          Map.entry("imagePullSecrets", "name"),
          Map.entry("finalizers", ""));

  public static JsonNode apply(String contentType, JsonNode current, JsonNode patch) {
    String type = contentType == null ? "" : contentType.toLowerCase(java.util.Locale.ROOT);
    try {
      if (type.startsWith("application/json-patch+json")) {
        return JsonPatch.apply(patch, current);
      }
      if (type.startsWith("application/merge-patch+json") || type.startsWith("application/apply-patch")) {
        return merge(current, patch, false);
      }
      if (type.startsWith("application/strategic-merge-patch+json")) {
        return merge(current, patch, true);
      }
    } catch (ApiException e) {
      throw e;
    } catch (RuntimeException e) {
      // A failed JSON-patch operation (e.g. replace of a missing field) is the client's error, answered at once.
      throw new ApiException(422, "Invalid", "the server rejected our request due to an error in our request: "
          + e.getMessage());
    }
    throw new ApiException(
        415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types "
            + "include: application/json-patch+json, application/merge-patch+json, "
            + "application/strategic-merge-patch+json");
  }

  static JsonNode merge(JsonNode target, JsonNode patch, boolean strategic) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    if (strategic && "replace".equals(patch.path("$patch").asString(""))) {
      ObjectNode replaced = ((ObjectNode) patch.deepCopy());
      replaced.remove("$patch");
      return replaced;
    }
    ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target.deepCopy()) : Json.object();
    for (Map.Entry<String, JsonNode> e : patch.properties()) {
      String key = e.getKey();
      JsonNode value = e.getValue();
      if (strategic && key.startsWith("$")) {
        continue;
      }
      if (strategic && key.startsWith("$setElementOrder/")) {
        continue;
      }
      if (strategic && key.startsWith("$deleteFromPrimitiveList/")) {
        String field = key.substring("$deleteFromPrimitiveList/".length());
        JsonNode list = result.get(field);
        if (list != null && list.isArray()) {
          ArrayNode kept = Json.array();
          for (JsonNode item : list) {
            if (!contains(value, item)) {
              kept.add(item);
            }
          }
          result.set(field, kept);
        }
        continue;
      }
      if (value.isNull()) {
        result.remove(key);
      } else if (value.isObject()) {
        if (strategic && "delete".equals(value.path("$patch").asString(""))) {
          result.remove(key);
        } else {
          result.set(key, merge(result.get(key), value, strategic));
        }
      } else if (value.isArray() && strategic && MERGE_KEYS.containsKey(key)) {
        result.set(key, mergeList(result.get(key), (ArrayNode) value, MERGE_KEYS.get(key)));
      } else {
        result.set(key, value.deepCopy());
      }
    }
    return result;
  }

  private static JsonNode mergeList(JsonNode current, ArrayNode patch, String mergeKey) {
    List<JsonNode> items = new ArrayList<>();
    if (current != null && current.isArray()) {
      current.forEach(items::add);
    }
    if (mergeKey.isEmpty()) {
      for (JsonNode value : patch) {
        if (!items.contains(value)) {
          items.add(value);
        }
      }
    } else {
      for (JsonNode item : patch) {
        String key = item.path(mergeKey).asString("");
        int at = -1;
        for (int i = 0; i < items.size(); i++) {
          if (items.get(i).path(mergeKey).asString("").equals(key)) {
            at = i;
          }
        }
        String directive = item.path("$patch").asString("");
        if ("delete".equals(directive)) {
          if (at >= 0) {
            items.remove(at);
          }
        } else if (at >= 0) {
          items.set(at, merge(items.get(at), item, true));
        } else {
          items.add(merge(Json.object(), item, true));
        }
      }
    }
    ArrayNode result = Json.array();
    items.forEach(result::add);
    return result;
  }

  private static boolean contains(JsonNode list, JsonNode item) {
    if (list == null || !list.isArray()) {
      return false;
    }
    for (JsonNode candidate : list) {
      if (candidate.equals(item)) {
        return true;
      }
    }
    return false;
  }
}
