package dev.runbook.simulator.api;

import tools.jackson.databind.node.ObjectNode;

/** An API error answered as a {@code meta/v1 Status}, with the reason and message the real apiserver uses. */
public class ApiException extends RuntimeException {
  private final int code;
  private final String reason;
  private final ObjectNode details;

  public ApiException(int code, String reason, String message) {
    this(code, reason, message, null);
  }

  public ApiException(int code, String reason, String message, ObjectNode details) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  public int code() {
    return code;
  }

  public ObjectNode toStatus() {
    return status(code, "Failure", reason, getMessage(), details);
  }

  public static ObjectNode status(int code, String status, String reason, String message, ObjectNode details) {
    ObjectNode node = Json.object();
    node.put("kind", "Status");
    node.put("apiVersion", "v1");
    node.putObject("metadata");
    node.put("status", status);
    if (message != null) {
      node.put("message", message);
    }
    if (reason != null) {
      node.put("reason", reason);
    }
    if (details != null) {
      node.set("details", details);
    }
    node.put("code", code);
    return node;
  }

  public static ApiException notFound(ResourceType type, String name) {
    return new ApiException(
        404, "NotFound", type.qualifiedPlural() + " \"" + name + "\" not found", details(type, name));
  }

  public static ApiException alreadyExists(ResourceType type, String name) {
    return new ApiException(
        409, "AlreadyExists", type.qualifiedPlural() + " \"" + name + "\" already exists", details(type, name));
  }

  public static ApiException conflict(ResourceType type, String name, String why) {
    return new ApiException(
        409,
        "Conflict",
        "Operation cannot be fulfilled on " + type.qualifiedPlural() + " \"" + name + "\": " + why,
        details(type, name));
  }

  public static ApiException badRequest(String message) {
    return new ApiException(400, "BadRequest", message);
  }

  public static ApiException invalid(ResourceType type, String name, String message) {
    return new ApiException(
        422, "Invalid", (type.group().isEmpty() ? type.kind() : type.kind() + "." + type.group()) + " \"" + name
            + "\" is invalid: " + message, details(type, name));
  }

  public static ObjectNode details(ResourceType type, String name) {
    ObjectNode details = Json.object();
    if (name != null) {
      details.put("name", name);
    }
    if (!type.group().isEmpty()) {
      details.put("group", type.group());
    }
    details.put("kind", type.plural());
    return details;
  }
}
