package dev.runbook.simulator.controllers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Orphan adoption, as the real controllers' ControllerRefManager does it: a pod that matches a workload's selector
 * and has no controller becomes the workload's. This is how pods written into a scenario next to their workload
 * (without UIDs, which a scenario cannot know) are counted instead of duplicated.
 */
final class Adoption {
  private Adoption() {}

  /** Adopt the orphans among {@code pods}; returns true if any was adopted (the caller then waits for the watch). */
  static boolean adoptOrphans(
      KubernetesClient client, HasMetadata owner, LabelSelector selector, List<Pod> pods, Predicate<Pod> alsoRequired) {
    boolean adopted = false;
    String namespace = owner.getMetadata().getNamespace();
    for (Pod pod : pods) {
      boolean orphan = Pods.controllerOf(pod).isEmpty();
      if (orphan
          && namespace.equals(pod.getMetadata().getNamespace())
          && !Pods.isTerminating(pod)
          && selector != null
          && (selector.getMatchLabels() != null && !selector.getMatchLabels().isEmpty()
              || selector.getMatchExpressions() != null && !selector.getMatchExpressions().isEmpty())
          && Placement.matches(selector, pod.getMetadata().getLabels())
          && alsoRequired.test(pod)) {
        Pod updated = Serialization.clone(pod);
        List<OwnerReference> refs =
            new ArrayList<>(pod.getMetadata().getOwnerReferences() == null ? List.of() : pod.getMetadata().getOwnerReferences());
        refs.add(Pods.controllerReference(owner));
        updated.getMetadata().setOwnerReferences(refs);
        // an update carrying the resourceVersion read: a pod changed (or adopted) meanwhile is not adopted twice
        client.pods().inNamespace(namespace).resource(updated).update();
        adopted = true;
      }
    }
    return adopted;
  }
}
