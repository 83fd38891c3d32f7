package dev.runbook.simulator.api;

import tools.jackson.databind.JsonNode;

/** The parts of {@code meta/v1 DeleteOptions} the simulated apiserver honours. */
public record DeleteOptions(Long gracePeriodSeconds, String preconditionUid, String preconditionResourceVersion,
    String propagationPolicy) {

  public static DeleteOptions defaults() {
    return new DeleteOptions(null, null, null, null);
  }

  public static DeleteOptions immediately() {
    return new DeleteOptions(0L, null, null, null);
  }

  /** From a DeleteOptions body (possibly empty) plus query parameters, the query winning as in the apiserver. */
  public static DeleteOptions from(JsonNode body, String queryGrace, String queryPropagation) {
    JsonNode node = body == null ? Json.object() : body;
    Long grace = node.hasNonNull("gracePeriodSeconds") ? node.get("gracePeriodSeconds").asLong() : null;
    if (queryGrace != null && !queryGrace.isEmpty()) {
      grace = Long.parseLong(queryGrace);
    }
    String propagation = node.path("propagationPolicy").asString(null);
    if (queryPropagation != null && !queryPropagation.isEmpty()) {
      propagation = queryPropagation;
    }
    JsonNode preconditions = node.path("preconditions");
    String uid = preconditions.hasNonNull("uid") ? preconditions.get("uid").asString() : null;
    String rv = preconditions.hasNonNull("resourceVersion") ? preconditions.get("resourceVersion").asString() : null;
    return new DeleteOptions(grace, uid, rv, propagation);
  }
}
