package dev.runbook.activities;

import dev.runbook.workflows.model.PodRef;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import java.time.Duration;

/**
 * One pod leaving its node, as the drain and the migration waits both see it: what "gone" means, the UID-guarded
 * delete, and a bounded wait that watches the pod and re-reads it on every wake-up.
 */
final class PodRemoval {
  private final KubernetesClient client;

  PodRemoval(KubernetesClient client) {
    this.client = client;
  }

  /** NotFound, a different UID under the name, or (when {@code node} is given) no longer on that node. */
  static boolean gone(Pod pod, PodRef ref, String node) {
    if (pod == null) {
      return true;
    }
    if (ref.uid() != null && !ref.uid().equals(pod.getMetadata().getUid())) {
      return true;
    }
    String podNode = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    return node != null && podNode != null && !node.equals(podNode);
  }

  /**
   * Finished and not being deleted: such a pod never goes by itself. KubeVirt leaves a live-migrated VM's source
   * launcher Completed on the node, and nothing removes it until its VMI goes.
   */
  static boolean finishedAndLeft(Pod pod) {
    String phase = PodClassifier.phase(pod);
    return ("Succeeded".equals(phase) || "Failed".equals(phase)) && pod.getMetadata().getDeletionTimestamp() == null;
  }

  Pod read(PodRef ref) {
    return ApiFailures.call(
        "read pod " + ref.key(), () -> client.pods().inNamespace(ref.namespace()).withName(ref.name()).get());
  }

  /**
   * Deletes the pod the ref names, and only that one: with the UID as a precondition, a pod recreated under the name
   * (a StatefulSet's) answers 409 and is left alone. Nothing to delete is success.
   */
  void delete(PodRef ref, Integer gracePeriodSeconds) {
    try {
      Preconditioned.delete(
          client,
          "/api/v1/namespaces/" + ref.namespace() + "/pods/" + ref.name(),
          ref.uid(),
          null,
          gracePeriodSeconds);
    } catch (KubernetesClientException e) {
      if (!ApiFailures.isConflict(e)) {
        throw ApiFailures.translate("delete pod " + ref.key(), e);
      }
    }
  }

  /**
   * Waits up to {@code max} for the pod to be gone from {@code node}, deleting it if it finished there (it has
   * nothing left to disrupt, as kubectl drain's retried eviction would find on a real cluster). Calls
   * {@code heartbeat} between looks, which is where a cancellation reaches the caller.
   *
   * @return whether the pod is gone
   */
  boolean awaitGone(PodRef ref, String node, Duration max, Runnable heartbeat) {
    long deadline = System.nanoTime() + max.toNanos();
    ChangeSignal<Pod> changed = new ChangeSignal<>();
    Watch watch = null;
    try {
      // Opened before the first read, so a change between the read and the wait still wakes the wait.
      watch = client.pods().inNamespace(ref.namespace()).withName(ref.name()).watch(changed);
    } catch (KubernetesClientException e) {
      // polling alone still answers correctly
    }
    try {
      while (true) {
        Pod pod = read(ref);
        if (gone(pod, ref, node)) {
          return true;
        }
        if (finishedAndLeft(pod)) {
          delete(DrainActivitiesImpl.ref(pod), null);
          if (gone(read(ref), ref, node)) {
            return true;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        heartbeat.run();
        await(changed, Duration.ofNanos(Math.min(left, DrainActivitiesImpl.POLL_INTERVAL.toNanos())));
      }
    } finally {
      DrainActivitiesImpl.closeQuietly(watch);
    }
  }

  private static void await(ChangeSignal<?> signal, Duration timeout) {
    try {
      signal.await(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting", e);
    }
  }
}
