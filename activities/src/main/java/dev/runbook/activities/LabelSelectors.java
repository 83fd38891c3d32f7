package dev.runbook.activities;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Label selector matching as the API server does it for PodDisruptionBudgets. */
final class LabelSelectors {
  private LabelSelectors() {}

  /** policy/v1: a null selector selects nothing, an empty one every pod of the namespace. */
  static boolean selects(PodDisruptionBudget pdb, String podNamespace, Map<String, String> podLabels) {
    if (!Objects.equals(pdb.getMetadata().getNamespace(), podNamespace) || pdb.getSpec() == null) {
      return false;
    }
    LabelSelector selector = pdb.getSpec().getSelector();
    return selector != null && matches(selector, podLabels == null ? Map.of() : podLabels);
  }

  static boolean matches(LabelSelector selector, Map<String, String> labels) {
    Map<String, String> matchLabels = Optional.ofNullable(selector.getMatchLabels()).orElse(Map.of());
    for (Map.Entry<String, String> e : matchLabels.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    for (LabelSelectorRequirement r : Optional.ofNullable(selector.getMatchExpressions()).orElse(List.of())) {
      if (!matches(r, labels)) {
        return false;
      }
    }
    return true;
  }

  private static boolean matches(LabelSelectorRequirement r, Map<String, String> labels) {
    List<String> values = Optional.ofNullable(r.getValues()).orElse(List.of());
    String value = labels.get(r.getKey());
    return switch (r.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> labels.containsKey(r.getKey());
      case "DoesNotExist" -> !labels.containsKey(r.getKey());
      default -> false; // the API server rejects unknown operators; select nothing rather than everything
    };
  }
}
