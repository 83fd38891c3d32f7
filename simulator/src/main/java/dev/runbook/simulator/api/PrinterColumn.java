package dev.runbook.simulator.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * One of a CustomResourceDefinition's {@code additionalPrinterColumns}, rendered as the apiextensions apiserver's
 * table convertor does: a missing value or one of the wrong type is a null cell, {@code integer} and {@code number}
 * are numbers, {@code date} is an age ("5m"), {@code string} prints whatever the path finds.
 *
 * <p>The JSONPath is the simple form CRDs allow: {@code .a.b}, {@code .a[0].b}, {@code .a['b.c']} and a filter
 * {@code .a[?(@.type=='Ready')].status} (first match).
 */
public record PrinterColumn(String name, String type, String format, String description, int priority,
    String jsonPath) {

  /** What the apiserver serves for a CRD version without columns: the object's age. */
  public static PrinterColumn age() {
    return new PrinterColumn("Age", "date", "", "", 0, ".metadata.creationTimestamp");
  }

  public static PrinterColumn from(JsonNode column) {
    String path = column.path("jsonPath").asString("");
    String description = column.path("description").asString("");
    return new PrinterColumn(
        column.path("name").asString(""), column.path("type").asString("string"), column.path("format").asString(""),
        description.isEmpty() ? "Custom resource definition column (in JSONPath format): " + path : description,
        column.path("priority").asInt(0), path);
  }

  /** The cell for an object: a String, Long, Double, Boolean, or null. */
  public Object cell(JsonNode object) {
    JsonNode value;
    try {
      value = find(object, jsonPath);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (value == null || value.isNull() || value.isMissingNode()) {
      return null;
    }
    return switch (type) {
      case "integer" -> value.isNumber() ? (Object) value.asLong() : null;
      case "number" -> value.isNumber() ? (Object) value.asDouble() : null;
      case "boolean" -> value.isBoolean() ? (Object) value.asBoolean() : null;
      case "date" -> value.isString() ? date(value.asString()) : null;
      default -> value.isValueNode() ? value.asString() : value.toString();
    };
  }

  private static String date(String timestamp) {
    try {
      Instant.parse(timestamp);
    } catch (RuntimeException e) {
      return "<invalid>";
    }
    return Tables.age(timestamp);
  }

  /** The first node the path selects, or null. */
  static JsonNode find(JsonNode root, String path) {
    JsonNode current = root;
    for (String step : steps(path)) {
      if (current == null) {
        return null;
      }
      if (step.startsWith("?")) {
        current = firstMatch(current, step.substring(1));
      } else if (!step.isEmpty() && step.chars().allMatch(Character::isDigit)) {
        current = current.isArray() ? current.get(Integer.parseInt(step)) : null;
      } else {
        current = current.isObject() ? current.get(step) : null;
      }
    }
    return current;
  }

  /** ".a.b[0]['c.d'][?(@.type=='Ready')]" → a, b, 0, c.d, ?type=Ready */
  private static List<String> steps(String path) {
    String p = path.trim();
    if (p.startsWith("{") && p.endsWith("}")) {
      p = p.substring(1, p.length() - 1);
    }
    List<String> steps = new ArrayList<>();
    int i = 0;
    while (i < p.length()) {
      char c = p.charAt(i);
      if (c == '.') {
        i++;
      } else if (c == '[') {
        int end = p.indexOf(']', i);
        if (end < 0) {
          throw new IllegalArgumentException("unterminated [ in JSONPath " + path);
        }
        String inside = p.substring(i + 1, end).trim();
        if (inside.startsWith("?(")) {
          // A filter may hold ']' inside quotes; find the closing ")]".
          end = p.indexOf(")]", i);
          inside = p.substring(i + 1, end + 1).trim();
          steps.add("?" + filter(inside));
          i = end + 2;
          continue;
        }
        steps.add(unquote(inside));
        i = end + 1;
      } else {
        int end = i;
        while (end < p.length() && p.charAt(end) != '.' && p.charAt(end) != '[') {
          end++;
        }
        steps.add(p.substring(i, end));
        i = end;
      }
    }
    return steps;
  }

  /** "?(@.type=='Ready')" → "type=Ready" */
  private static String filter(String expression) {
    String e = expression.substring(2, expression.length() - 1).trim();
    int eq = e.indexOf("==");
    if (!e.startsWith("@.") || eq < 0) {
      throw new IllegalArgumentException("unsupported JSONPath filter " + expression);
    }
    return e.substring(2, eq).trim() + "=" + unquote(e.substring(eq + 2).trim());
  }

  private static String unquote(String s) {
    if (s.length() >= 2 && (s.startsWith("'") && s.endsWith("'") || s.startsWith("\"") && s.endsWith("\""))) {
      return s.substring(1, s.length() - 1);
    }
    return s;
  }

  private static JsonNode firstMatch(JsonNode array, String condition) {
    if (!array.isArray()) {
      return null;
    }
    int eq = condition.indexOf('=');
    String field = condition.substring(0, eq);
    String wanted = condition.substring(eq + 1);
    for (JsonNode element : array) {
      JsonNode value = find(element, "." + field);
      if (value != null && value.isValueNode() && wanted.equals(value.asString())) {
        return element;
      }
    }
    return null;
  }
}
