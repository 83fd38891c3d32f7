package dev.runbook.simulator;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Optional;

/**
 * A validating admission hook on {@code pods/eviction}, as KubeVirt's eviction webhook is on a real cluster. The
 * API server asks every admitter before the PDB check; the first denial is the answer.
 */
public interface EvictionAdmitter {
  /** A denial: the HTTP code (429 for KubeVirt's refusals) and the message KubeVirt would give. */
  record Denial(int code, String message) {}

  /** May act through {@code client} (e.g. mark a VMI for evacuation) before denying. */
  Optional<Denial> admit(Pod pod, KubernetesClient client, SimContext context);
}
