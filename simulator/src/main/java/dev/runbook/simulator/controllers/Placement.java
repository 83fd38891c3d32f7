package dev.runbook.simulator.controllers;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The placement rules the scheduler and the DaemonSet controller share: label selectors, node selectors, required
 * node affinity, taints and tolerations, with the semantics of k8s.io/api's helpers.
 */
final class Placement {
  private Placement() {}

  static final String UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable";
  static final int DEFAULT_MAX_PODS = 110;

  /** A metav1.LabelSelector: null selects nothing, empty selects everything, requirements are ANDed. */
  static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    Map<String, String> actual = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!Objects.equals(actual.get(e.getKey()), e.getValue())) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (!matchesRequirement(r.getOperator(), actual.get(r.getKey()), actual.containsKey(r.getKey()), r.getValues())) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean matchesRequirement(String operator, String value, boolean present, List<String> values) {
    List<String> wanted = values == null ? List.of() : values;
    switch (operator) {
      case "In":
        return present && wanted.contains(value);
      case "NotIn":
        return !present || !wanted.contains(value);
      case "Exists":
        return present;
      case "DoesNotExist":
        return !present;
      case "Gt":
      case "Lt":
        if (!present || wanted.size() != 1) {
          return false;
        }
        try {
          long actual = Long.parseLong(value);
          long bound = Long.parseLong(wanted.get(0));
          return "Gt".equals(operator) ? actual > bound : actual < bound;
        } catch (NumberFormatException e) {
          return false;
        }
      default:
        return false;
    }
  }

  /** spec.nodeSelector and required node affinity (terms ORed, expressions and fields within a term ANDed). */
  static boolean matchesNodeSelectorAndAffinity(PodSpec spec, Node node) {
    Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    if (spec.getNodeSelector() != null) {
      for (Map.Entry<String, String> e : spec.getNodeSelector().entrySet()) {
        if (!Objects.equals(labels.get(e.getKey()), e.getValue())) {
          return false;
        }
      }
    }
    NodeSelector required = requiredNodeAffinity(spec);
    if (required == null || required.getNodeSelectorTerms() == null || required.getNodeSelectorTerms().isEmpty()) {
      return true;
    }
    for (NodeSelectorTerm term : required.getNodeSelectorTerms()) {
      if (matchesTerm(term, labels, node.getMetadata().getName())) {
        return true;
      }
    }
    return false;
  }

  private static boolean matchesTerm(NodeSelectorTerm term, Map<String, String> labels, String nodeName) {
    boolean empty =
        (term.getMatchExpressions() == null || term.getMatchExpressions().isEmpty())
            && (term.getMatchFields() == null || term.getMatchFields().isEmpty());
    if (empty) {
      return false; // an empty term selects no node, as in the real scheduler
    }
    if (term.getMatchExpressions() != null) {
      for (NodeSelectorRequirement r : term.getMatchExpressions()) {
        if (!matchesRequirement(r.getOperator(), labels.get(r.getKey()), labels.containsKey(r.getKey()), r.getValues())) {
          return false;
        }
      }
    }
    if (term.getMatchFields() != null) {
      for (NodeSelectorRequirement r : term.getMatchFields()) {
        boolean isName = "metadata.name".equals(r.getKey());
        if (!isName || !matchesRequirement(r.getOperator(), nodeName, true, r.getValues())) {
          return false;
        }
      }
    }
    return true;
  }

  private static NodeSelector requiredNodeAffinity(PodSpec spec) {
    if (spec.getAffinity() == null || spec.getAffinity().getNodeAffinity() == null) {
      return null;
    }
    return spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
  }

  /** v1.Toleration.ToleratesTaint. */
  static boolean tolerates(Toleration toleration, Taint taint) {
    if (notEmpty(toleration.getEffect()) && !toleration.getEffect().equals(taint.getEffect())) {
      return false;
    }
    if (notEmpty(toleration.getKey()) && !toleration.getKey().equals(taint.getKey())) {
      return false;
    }
    String operator = toleration.getOperator() == null ? "Equal" : toleration.getOperator();
    switch (operator) {
      case "Exists":
        return true;
      case "Equal":
      case "":
        // An empty key only makes sense with Exists; with Equal it matches taints with an empty key only.
        return Objects.equals(emptyIfNull(toleration.getValue()), emptyIfNull(taint.getValue()))
            && (notEmpty(toleration.getKey()) || !notEmpty(taint.getKey()));
      default:
        return false;
    }
  }

  /** The first NoSchedule/NoExecute taint of {@code node} that none of {@code tolerations} tolerates. */
  static Optional<Taint> untoleratedTaint(List<Toleration> tolerations, Node node, List<String> effects) {
    if (node.getSpec() == null || node.getSpec().getTaints() == null) {
      return Optional.empty();
    }
    List<Toleration> given = tolerations == null ? List.of() : tolerations;
    return node.getSpec().getTaints().stream()
        .filter(t -> effects.contains(t.getEffect()))
        .filter(t -> given.stream().noneMatch(tol -> tolerates(tol, t)))
        .findFirst();
  }

  /** The NodeUnschedulable plugin: a cordoned node takes only pods that tolerate its unschedulable taint. */
  static boolean admitsDespiteCordon(List<Toleration> tolerations, Node node) {
    if (node.getSpec() == null || !Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
      return true;
    }
    Taint cordon = new TaintBuilder().withKey(UNSCHEDULABLE_TAINT).withEffect("NoSchedule").build();
    return tolerations != null && tolerations.stream().anyMatch(t -> tolerates(t, cordon));
  }

  static int maxPods(Node node) {
    if (node.getStatus() == null) {
      return DEFAULT_MAX_PODS;
    }
    for (Map<String, Quantity> resources :
        java.util.Arrays.asList(node.getStatus().getAllocatable(), node.getStatus().getCapacity())) {
      if (resources != null && resources.get("pods") != null) {
        try {
          return Quantity.getAmountInBytes(resources.get("pods")).intValue();
        } catch (RuntimeException e) {
          return DEFAULT_MAX_PODS;
        }
      }
    }
    return DEFAULT_MAX_PODS;
  }

  static String describe(Taint taint) {
    return "{" + taint.getKey() + ": " + emptyIfNull(taint.getValue()) + "}";
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }

  private static String emptyIfNull(String s) {
    return s == null ? "" : s;
  }
}
