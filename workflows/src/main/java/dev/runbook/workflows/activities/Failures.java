package dev.runbook.workflows.activities;

/**
 * The {@code ApplicationFailure} types activities throw. Workflow code branches on these types, never on message
 * text. Types marked non-retryable are listed in the activity options' {@code doNotRetry}.
 */
public final class Failures {
  private Failures() {}

  /** The node does not exist. Non-retryable. */
  public static final String NODE_NOT_FOUND = "NodeNotFound";
  /** Another holder owns the node's maintenance Lease. Non-retryable. */
  public static final String LEASE_HELD = "LeaseHeld";
  /** The request is invalid (the workflow's input). Non-retryable. */
  public static final String INVALID_REQUEST = "InvalidRequest";
  /** The drain plan cannot succeed under the options; details name the pods. Non-retryable. */
  public static final String DRAIN_INFEASIBLE = "DrainInfeasible";
  /** A call the API server refused for a reason that retrying will not fix (403, 422). Non-retryable. */
  public static final String API_REFUSED = "ApiRefused";
  /** The API server is unreachable or answered 5xx. Retryable. */
  public static final String API_UNAVAILABLE = "ApiUnavailable";
}
