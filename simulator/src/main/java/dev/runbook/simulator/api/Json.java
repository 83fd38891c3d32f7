package dev.runbook.simulator.api;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON helpers. Objects are kept as Jackson 3 trees (the Jackson fabric8 8.0 uses), converted to fabric8 model
 * classes with fabric8's own serialization.
 */
public final class Json {
  private Json() {}

  public static final ObjectMapper MAPPER = JsonMapper.builder().build();
  public static final ObjectMapper YAML = tools.jackson.dataformat.yaml.YAMLMapper.builder().build();
  private static final KubernetesSerialization KUBERNETES = new KubernetesSerialization();

  public static JsonNode parse(String text) {
    return MAPPER.readTree(text);
  }

  public static String write(Object value) {
    return MAPPER.writeValueAsString(value);
  }

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  public static ArrayNode array() {
    return MAPPER.createArrayNode();
  }

  public static ObjectNode toNode(Object value) {
    return (ObjectNode) MAPPER.valueToTree(value);
  }

  public static <T> T convert(JsonNode node, Class<T> type) {
    return KUBERNETES.convertValue(node, type);
  }

  /** A text field or "" when absent, following a dotted path ("spec.nodeName"). */
  public static String text(JsonNode node, String dottedPath) {
    JsonNode current = node;
    for (String part : dottedPath.split("\\.")) {
      if (current == null) {
        return "";
      }
      current = current.isArray() && part.chars().allMatch(Character::isDigit)
          ? current.get(Integer.parseInt(part))
          : current.get(part);
    }
    if (current == null || current.isNull() || current.isMissingNode()) {
      return "";
    }
    return current.isValueNode() ? current.asString() : current.toString();
  }

  public static ObjectNode metadata(JsonNode object) {
    return ((ObjectNode) object).withObjectProperty("metadata");
  }

  public static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
