package dev.runbook.simulator.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What apiextensions does with a custom resource's structural schema before storing it: prune the fields the
 * schema does not know (unless {@code x-kubernetes-preserve-unknown-fields}), drop nulls where the field is not
 * {@code nullable}, then validate {@code type}, {@code required}, {@code enum}, {@code minLength} and
 * {@code maxLength}. A controller that writes a status field its CRD does not declare loses it here as it would on
 * a real cluster. Not done: defaulting, formats, CEL rules, metadata pruning.
 */
final class CustomResourceSchema {
  private static final Set<String> ALWAYS_KEPT = Set.of("apiVersion", "kind", "metadata");

  private CustomResourceSchema() {}

  /**
   * Prunes {@code object} in place.
   *
   * @return the validation errors, in the apiserver's words ("spec.nodeName: Required value"); empty when valid
   */
  static List<String> pruneAndValidate(JsonNode schema, ObjectNode object) {
    List<String> errors = new ArrayList<>();
    if (schema != null && schema.isObject() && !schema.isEmpty()) {
      check(schema, object, "", errors, true);
    }
    return errors;
  }

  private static void check(JsonNode schema, JsonNode value, String path, List<String> errors, boolean root) {
    String type = schema.path("type").asString("");
    if (!type.isEmpty() && !hasType(value, type)) {
      String actual = typeOf(value);
      errors.add(path + ": Invalid value: \"" + actual + "\": " + path + " in body must be of type " + type + ": \""
          + actual + "\"");
      return;
    }
    if (value.isObject()) {
      checkObject(schema, (ObjectNode) value, path, errors, root);
    } else if (value.isArray()) {
      JsonNode items = schema.get("items");
      if (items != null && items.isObject()) {
        for (int i = 0; i < value.size(); i++) {
          check(items, value.get(i), path + "[" + i + "]", errors, false);
        }
      }
    } else if (value.isString()) {
      int length = value.asString().codePointCount(0, value.asString().length());
      if (schema.has("minLength") && length < schema.get("minLength").asInt()) {
        errors.add(path + ": Invalid value: \"" + value.asString() + "\": " + path + " in body should be at least "
            + schema.get("minLength").asInt() + " chars long");
      }
      if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
        errors.add(path + ": Too long: may not be more than " + schema.get("maxLength").asInt() + " bytes");
      }
    }
    JsonNode allowed = schema.get("enum");
    if (allowed != null && allowed.isArray() && value.isValueNode()) {
      boolean found = false;
      List<String> quoted = new ArrayList<>();
      for (JsonNode a : allowed) {
        found |= a.equals(value);
        quoted.add(a.isString() ? "\"" + a.asString() + "\"" : a.toString());
      }
      if (!found) {
        errors.add(path + ": Unsupported value: " + (value.isString() ? "\"" + value.asString() + "\"" : value)
            + ": supported values: " + String.join(", ", quoted));
      }
    }
  }

  private static void checkObject(JsonNode schema, ObjectNode object, String path, List<String> errors,
      boolean root) {
    boolean preserveUnknown = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    JsonNode properties = schema.path("properties");
    JsonNode additional = schema.get("additionalProperties");
    for (String key : new ArrayList<>(object.propertyNames())) {
      if (root && ALWAYS_KEPT.contains(key)) {
        continue;
      }
      JsonNode child = object.get(key);
      JsonNode childSchema = properties.get(key);
      if (childSchema == null && additional != null && additional.isObject()) {
        childSchema = additional;
      }
      if (childSchema == null) {
        if (!preserveUnknown && !(additional != null && additional.asBoolean(false))) {
          object.remove(key);
        }
        continue;
      }
      if (child.isNull() && !childSchema.path("nullable").asBoolean(false)) {
        object.remove(key);
        continue;
      }
      if (child.isNull()) {
        continue;
      }
      check(childSchema, child, path.isEmpty() ? key : path + "." + key, errors, false);
    }
    for (JsonNode required : schema.path("required")) {
      if (!object.has(required.asString())) {
        errors.add((path.isEmpty() ? "" : path + ".") + required.asString() + ": Required value");
      }
    }
  }

  private static boolean hasType(JsonNode value, String type) {
    return switch (type) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isString();
      case "boolean" -> value.isBoolean();
      case "number" -> value.isNumber();
      case "integer" -> value.isIntegralNumber() || value.isNumber() && value.asDouble() == Math.rint(value.asDouble());
      default -> true;
    };
  }

  private static String typeOf(JsonNode value) {
    if (value.isObject()) {
      return "object";
    }
    if (value.isArray()) {
      return "array";
    }
    if (value.isString()) {
      return "string";
    }
    if (value.isBoolean()) {
      return "boolean";
    }
    if (value.isIntegralNumber()) {
      return "integer";
    }
    if (value.isNumber()) {
      return "number";
    }
    return "null";
  }
}
