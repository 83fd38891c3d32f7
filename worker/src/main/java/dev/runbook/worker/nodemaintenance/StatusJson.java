package dev.runbook.worker.nodemaintenance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;

/** Status values as JSON: written into merge patches, and compared with what the resource holds. */
final class StatusJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private StatusJson() {}

  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write status as JSON: " + e.getMessage(), e);
    }
  }

  /** Equal as JSON: 3 equals 3L, a missing field equals null. */
  static boolean sameValue(Object current, Object desired) {
    return normalized(current).equals(normalized(desired));
  }

  private static JsonNode normalized(Object value) {
    if (value == null) {
      return NullNode.getInstance();
    }
    try {
      // Parsing the written form gives every number its smallest node type, so Integer and Long compare equal.
      return MAPPER.readTree(write(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
