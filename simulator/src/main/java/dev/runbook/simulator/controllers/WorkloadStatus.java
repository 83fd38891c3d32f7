package dev.runbook.simulator.controllers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.LinkedHashMap;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import java.util.Objects;

/**
 * Status writes of the workload controllers, skipped when nothing changed so that resyncs do not turn into a
 * stream of writes and watch events.
 */
final class WorkloadStatus {
  private WorkloadStatus() {}

  /**
   * Write the {@code desired} top-level status fields of {@code object} (others are kept) when any differs, with a
   * PUT of the status subresource carrying the resourceVersion read (a stale cache gets 409 and a retry). Not a merge
   * patch: fabric8's CRUD mock appends to lists (conditions) on a merge patch instead of replacing them.
   */
  @SuppressWarnings("unchecked")
  static <T extends HasMetadata> void updateIfChanged(KubernetesClient client, T object, Map<String, Object> desired) {
    Map<String, Object> json = Serialization.unmarshal(Serialization.asJson(object), Map.class);
    Object currentStatus = json.get("status");
    Map<String, Object> current = currentStatus instanceof Map<?, ?> m ? (Map<String, Object>) m : new LinkedHashMap<>();
    boolean changed = false;
    for (Map.Entry<String, Object> e : desired.entrySet()) {
      if (!sameJson(current.get(e.getKey()), e.getValue())) {
        changed = true;
        break;
      }
    }
    if (changed) {
      Map<String, Object> status = new LinkedHashMap<>(current);
      status.putAll(desired);
      json.put("status", status);
      T updated = (T) Serialization.unmarshal(Serialization.asJson(json), object.getClass());
      client.resource(updated).status().update();
    }
  }

  /**
   * {@code desired} conditions, each keeping the transition time it has in {@code currentStatus} when its status is
   * unchanged (so that an unchanged condition does not count as a change).
   */
  @SuppressWarnings("unchecked")
  static java.util.List<Map<String, Object>> conditions(Object currentStatus, java.util.List<Map<String, Object>> desired) {
    Map<String, Object> current =
        currentStatus == null ? Map.of() : Serialization.unmarshal(Serialization.asJson(currentStatus), Map.class);
    java.util.List<Map<String, Object>> existing =
        (java.util.List<Map<String, Object>>) current.getOrDefault("conditions", java.util.List.of());
    java.util.List<Map<String, Object>> result = new java.util.ArrayList<>();
    for (Map<String, Object> wanted : desired) {
      Map<String, Object> condition = new java.util.LinkedHashMap<>(wanted);
      Map<String, Object> same =
          existing.stream()
              .filter(c -> Objects.equals(c.get("type"), wanted.get("type")) && Objects.equals(c.get("status"), wanted.get("status")))
              .findFirst()
              .orElse(null);
      String now = Pods.now();
      for (String time : java.util.List.of("lastTransitionTime", "lastUpdateTime", "lastProbeTime")) {
        if (condition.containsKey(time)) {
          condition.put(time, same != null && same.get(time) != null ? same.get(time) : now);
        }
      }
      result.add(condition);
    }
    return result;
  }

  private static boolean sameJson(Object a, Object b) {
    if (a == null || b == null) {
      return a == b;
    }
    return Objects.equals(
        Serialization.unmarshal(Serialization.asJson(a), Object.class),
        Serialization.unmarshal(Serialization.asJson(b), Object.class));
  }
}
