package dev.runbook.activities;

import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
import io.fabric8.kubernetes.api.model.PreconditionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * DELETE with {@code preconditions}, which fabric8's DSL cannot send: the API server then refuses (409) to delete an
 * object that was replaced (new UID) or changed since we read it, instead of deleting the wrong one.
 */
final class Preconditioned {
  private Preconditioned() {}

  /** Returns false when there was nothing to delete (404). Throws 409 when a precondition failed. */
  static boolean delete(
      KubernetesClient client, String path, String uid, String resourceVersion, Integer gracePeriodSeconds) {
    var options =
        new DeleteOptionsBuilder()
            .withApiVersion("v1")
            .withKind("DeleteOptions")
            .withPreconditions(new PreconditionsBuilder().withUid(uid).withResourceVersion(resourceVersion).build())
            .withGracePeriodSeconds(gracePeriodSeconds == null ? null : gracePeriodSeconds.longValue())
            .build();
    try {
      return client.raw(path, "DELETE", options) != null;
    } catch (KubernetesClientException e) {
      if (ApiFailures.isNotFound(e)) {
        return false;
      }
      throw e;
    }
  }
}
