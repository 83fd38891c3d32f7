package dev.runbook.simulator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

@DisplayName("printer columns read the simple JSONPath CRDs use and type their cells as apiextensions does")
class PrinterColumnTest {
  private static final JsonNode OBJECT = Json.parse("""
      {"metadata":{"name":"vm1","creationTimestamp":"%s","annotations":{"a.b/c":"dotted"}},
       "spec":{"nodeName":"worker-1","replicas":3,"ratio":0.5,"paused":true,"count":"7"},
       "status":{"interfaces":[{"ipAddress":"10.0.0.7"},{"ipAddress":"10.0.0.8"}],
                 "conditions":[{"type":"Ready","status":"True"},{"type":"Paused","status":"False"}]}}"""
      .formatted(Instant.now().minus(20, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS)));

  private static Object cell(String type, String jsonPath) {
    return new PrinterColumn("C", type, "", "", 0, jsonPath).cell(OBJECT);
  }

  @Test
  @DisplayName("dotted paths, indexes, quoted keys and equality filters find their value")
  void paths() {
    assertEquals("worker-1", cell("string", ".spec.nodeName"));
    assertEquals("10.0.0.8", cell("string", ".status.interfaces[1].ipAddress"));
    assertEquals("dotted", cell("string", ".metadata.annotations['a.b/c']"));
    assertEquals("True", cell("string", ".status.conditions[?(@.type=='Ready')].status"));
    assertEquals("False", cell("string", "{.status.conditions[?(@.type==\"Paused\")].status}"));
  }

  @Test
  @DisplayName("a missing value, or one of the wrong type, is a null cell")
  void missingOrMistyped() {
    assertNull(cell("string", ".status.phase"));
    assertNull(cell("string", ".status.interfaces[5].ipAddress"));
    assertNull(cell("string", ".status.conditions[?(@.type=='Gone')].status"));
    assertNull(cell("integer", ".spec.count"));
    assertNull(cell("date", ".spec.replicas"));
    assertNull(cell("string", ".spec[unterminated"));
  }

  @Test
  @DisplayName("integer, number and boolean cells are typed; a date is an age; string prints any value")
  void types() {
    assertEquals(3L, cell("integer", ".spec.replicas"));
    assertEquals(0.5, cell("number", ".spec.ratio"));
    assertEquals(true, cell("boolean", ".spec.paused"));
    assertEquals("20m", cell("date", ".metadata.creationTimestamp"));
    assertEquals("<invalid>", cell("date", ".spec.nodeName"));
    assertEquals("3", cell("string", ".spec.replicas"));
  }
}
