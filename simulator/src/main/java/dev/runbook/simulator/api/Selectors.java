package dev.runbook.simulator.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * Label and field selectors as the apiserver reads them from {@code labelSelector=} / {@code fieldSelector=}, and
 * the {@code LabelSelector} objects of PDBs and workloads.
 */
public final class Selectors {
  private Selectors() {}

  /** {@code a=b,c!=d,e in (x,y),f notin (z),g,!h}. Null or blank selects everything. */
  public static Predicate<JsonNode> labels(String selector) {
    if (selector == null || selector.isBlank()) {
      return o -> true;
    }
    List<Predicate<Map<String, String>>> requirements = new ArrayList<>();
    for (String requirement : splitTopLevel(selector)) {
      requirements.add(labelRequirement(requirement.trim()));
    }
    return object -> {
      Map<String, String> labels = labelsOf(object);
      return requirements.stream().allMatch(r -> r.test(labels));
    };
  }

  private static Predicate<Map<String, String>> labelRequirement(String requirement) {
    String[] setOps = {" notin ", " in "};
    for (String op : setOps) {
      int at = requirement.indexOf(op);
      if (at > 0) {
        String key = requirement.substring(0, at).trim();
        String rest = requirement.substring(at + op.length()).trim();
        if (!rest.startsWith("(") || !rest.endsWith(")")) {
          throw ApiException.badRequest("unable to parse requirement: " + requirement);
        }
        Set<String> values =
            Arrays.stream(rest.substring(1, rest.length() - 1).split(","))
                .map(String::trim)
                .collect(Collectors.toSet());
        boolean in = op.equals(" in ");
        return labels -> in == (labels.containsKey(key) && values.contains(labels.get(key)));
      }
    }
    if (requirement.contains("!=")) {
      String[] kv = requirement.split("!=", 2);
      return labels -> !kv[1].trim().equals(labels.get(kv[0].trim()));
    }
    if (requirement.contains("=")) {
      String[] kv = requirement.split("==?", 2);
      return labels -> kv[1].trim().equals(labels.get(kv[0].trim()));
    }
    if (requirement.startsWith("!")) {
      String key = requirement.substring(1).trim();
      return labels -> !labels.containsKey(key);
    }
    return labels -> labels.containsKey(requirement);
  }

  /** {@code spec.nodeName=w1,status.phase!=Failed}: any dotted path; a missing field reads as "". */
  public static Predicate<JsonNode> fields(String selector) {
    if (selector == null || selector.isBlank()) {
      return o -> true;
    }
    List<Predicate<JsonNode>> requirements = new ArrayList<>();
    for (String requirement : selector.split(",")) {
      String r = requirement.trim();
      if (r.isEmpty()) {
        continue;
      }
      if (r.contains("!=")) {
        String[] kv = r.split("!=", 2);
        requirements.add(o -> !Json.text(o, kv[0].trim()).equals(kv[1].trim()));
      } else if (r.contains("=")) {
        String[] kv = r.split("==?", 2);
        requirements.add(o -> Json.text(o, kv[0].trim()).equals(kv[1].trim()));
      } else {
        throw ApiException.badRequest("invalid selector: '" + selector + "'; can't understand '" + r + "'");
      }
    }
    return o -> requirements.stream().allMatch(p -> p.test(o));
  }

  /**
   * The name a field selector pins ({@code metadata.name=x}), or "": the apiserver authorizes such a list or
   * watch as one on that name.
   */
  public static String exactName(String selector) {
    if (selector == null) {
      return "";
    }
    for (String requirement : selector.split(",")) {
      String r = requirement.trim();
      if (!r.contains("!=") && r.contains("=")) {
        String[] kv = r.split("==?", 2);
        if (kv[0].trim().equals("metadata.name")) {
          return kv[1].trim();
        }
      }
    }
    return "";
  }

  /**
   * A {@code metav1.LabelSelector} object: null selects nothing (as policy/v1 PDBs read it), {@code {}} selects
   * everything.
   */
  public static boolean matches(JsonNode labelSelector, Map<String, String> labels) {
    if (labelSelector == null || labelSelector.isNull() || labelSelector.isMissingNode()) {
      return false;
    }
    for (Map.Entry<String, JsonNode> e : labelSelector.path("matchLabels").properties()) {
      if (!e.getValue().asString().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    for (JsonNode expression : labelSelector.path("matchExpressions")) {
      String key = expression.path("key").asString();
      Set<String> values = new java.util.HashSet<>();
      expression.path("values").forEach(v -> values.add(v.asString()));
      String operator = expression.path("operator").asString();
      boolean ok =
          switch (operator) {
            case "In" -> labels.containsKey(key) && values.contains(labels.get(key));
            case "NotIn" -> !labels.containsKey(key) || !values.contains(labels.get(key));
            case "Exists" -> labels.containsKey(key);
            case "DoesNotExist" -> !labels.containsKey(key);
            default -> false;
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  public static Map<String, String> labelsOf(JsonNode object) {
    Map<String, String> labels = new java.util.HashMap<>();
    object.path("metadata").path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString()));
    return labels;
  }

  /** Split on commas that are not inside parentheses ({@code a in (x,y),b}). */
  private static List<String> splitTopLevel(String selector) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    StringBuilder current = new StringBuilder();
    for (char c : selector.toCharArray()) {
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      }
      if (c == ',' && depth == 0) {
        parts.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    if (!current.isEmpty()) {
      parts.add(current.toString());
    }
    return parts;
  }
}
