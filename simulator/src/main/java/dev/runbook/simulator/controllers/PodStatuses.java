package dev.runbook.simulator.controllers;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pod status writes shared by the scheduler and the kubelet. Every write starts from the pod's current conditions
 * (keeping those others wrote, such as the API server's DisruptionTarget) and carries the resourceVersion it read:
 * a concurrent writer makes it fail with 409, and the reconcile is retried from fresh state.
 */
final class PodStatuses {
  private PodStatuses() {}

  static Map<String, Object> condition(String type, boolean status, String reason, String message) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("type", type);
    c.put("status", status ? "True" : "False");
    if (reason != null) {
      c.put("reason", reason);
    }
    if (message != null) {
      c.put("message", message);
    }
    return c;
  }

  /** The pod's conditions with {@code replacements} (by type) applied; a condition keeps its transition time. */
  static List<Map<String, Object>> conditionsWith(Pod pod, Map<String, Map<String, Object>> replacements) {
    List<Map<String, Object>> result = new ArrayList<>();
    Map<String, Map<String, Object>> pending = new LinkedHashMap<>(replacements);
    List<PodCondition> current =
        pod.getStatus() == null || pod.getStatus().getConditions() == null ? List.of() : pod.getStatus().getConditions();
    for (PodCondition existing : current) {
      Map<String, Object> replacement = pending.remove(existing.getType());
      if (replacement == null) {
        result.add(asMap(existing));
      } else {
        Map<String, Object> merged = new LinkedHashMap<>(replacement);
        boolean unchanged = replacement.get("status").equals(existing.getStatus());
        merged.put(
            "lastTransitionTime",
            unchanged && existing.getLastTransitionTime() != null ? existing.getLastTransitionTime() : Pods.now());
        result.add(merged);
      }
    }
    for (Map<String, Object> added : pending.values()) {
      Map<String, Object> withTime = new LinkedHashMap<>(added);
      withTime.put("lastTransitionTime", Pods.now());
      result.add(withTime);
    }
    return result;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(PodCondition condition) {
    return Serialization.unmarshal(Serialization.asJson(condition), Map.class);
  }

  /**
   * Replace the top-level {@code status} fields given (others are kept) with a PUT of the status subresource,
   * guarded by the resourceVersion read. Not a merge patch: fabric8's CRUD mock appends to lists on a merge patch
   * instead of replacing them, and a PUT means the same on every API server.
   */
  @SuppressWarnings("unchecked")
  static void patchStatus(KubernetesClient client, Pod pod, Map<String, Object> status) {
    Map<String, Object> merged =
        pod.getStatus() == null
            ? new LinkedHashMap<>()
            : Serialization.unmarshal(Serialization.asJson(pod.getStatus()), Map.class);
    merged.putAll(status);
    Pod updated = Serialization.clone(pod);
    updated.setStatus(Serialization.unmarshal(Serialization.asJson(merged), PodStatus.class));
    client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(updated).status().update();
  }
}
