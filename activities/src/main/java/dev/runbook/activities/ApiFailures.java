package dev.runbook.activities;

import dev.runbook.workflows.activities.Failures;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.failure.ApplicationFailure;

/**
 * Turns fabric8 errors into typed {@link ApplicationFailure}s by HTTP code, never by message text, so the workflow's
 * retry policy and branches see a stable type.
 */
final class ApiFailures {
  static final int NOT_FOUND = 404;
  static final int CONFLICT = 409;
  static final int TOO_MANY_REQUESTS = 429;

  private ApiFailures() {}

  static boolean isNotFound(KubernetesClientException e) {
    return e.getCode() == NOT_FOUND;
  }

  static boolean isConflict(KubernetesClientException e) {
    return e.getCode() == CONFLICT;
  }

  /**
   * 400/403/422 will fail the same way on every retry: non-retryable {@link Failures#API_REFUSED}. Everything else
   * (no answer at all, 409 after our own retries, 429 throttling, 5xx) may pass later: retryable
   * {@link Failures#API_UNAVAILABLE}.
   */
  static ApplicationFailure translate(String action, KubernetesClientException e) {
    int code = e.getCode();
    String message = action + " failed" + (code > 0 ? " (HTTP " + code + ")" : "") + ": " + statusMessage(e);
    if (code == 400 || code == 401 || code == 403 || code == 405 || code == 415 || code == 422) {
      return ApplicationFailure.newNonRetryableFailureWithCause(message, Failures.API_REFUSED, e);
    }
    return ApplicationFailure.newFailureWithCause(message, Failures.API_UNAVAILABLE, e);
  }

  static String statusMessage(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      return e.getStatus().getMessage();
    }
    return String.valueOf(e.getMessage());
  }

  /** Runs one API interaction and translates any client error escaping it. */
  static <T> T call(String action, ApiCall<T> call) {
    try {
      return call.run();
    } catch (KubernetesClientException e) {
      throw translate(action, e);
    }
  }

  @FunctionalInterface
  interface ApiCall<T> {
    T run();
  }
}
