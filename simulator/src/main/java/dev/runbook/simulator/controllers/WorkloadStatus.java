package dev.runbook.simulator.controllers;

import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import java.util.Objects;

/**
 * Status writes of the workload controllers. Each controller is the only writer of its objects' status, so a merge
 * patch of the fields it owns is safe without a resourceVersion guard; it is skipped when nothing changed, so that
 * resyncs do not turn into a stream of writes and watch events.
 */
final class WorkloadStatus {
  private WorkloadStatus() {}

  @SuppressWarnings("unchecked")
  static <T> void patchIfChanged(Resource<T> resource, Object currentStatus, Map<String, Object> desired) {
    Map<String, Object> current =
        currentStatus == null ? Map.of() : Serialization.unmarshal(Serialization.asJson(currentStatus), Map.class);
    boolean changed = false;
    for (Map.Entry<String, Object> e : desired.entrySet()) {
      if (!sameJson(current.get(e.getKey()), e.getValue())) {
        changed = true;
        break;
      }
    }
    if (changed) {
      resource.status().patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("status", desired)));
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
