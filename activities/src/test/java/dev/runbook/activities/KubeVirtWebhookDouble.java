package dev.runbook.activities;

import dev.runbook.simulator.EvictionAdmitter;
import dev.runbook.simulator.SimContext;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.Optional;

/**
 * KubeVirt's pod-eviction webhook, reduced to what decides the answer: a virt-launcher pod whose VM migrates (or
 * waits for an external mover) is marked for evacuation and the eviction refused with 429; a VM that must migrate
 * but cannot is refused; the rest are let through to be shut down.
 */
final class KubeVirtWebhookDouble implements EvictionAdmitter {
  @Override
  public Optional<Denial> admit(Pod pod, KubernetesClient client, SimContext context) {
    if (!KubeVirt.isVirtLauncher(pod)) {
      return Optional.empty();
    }
    String namespace = pod.getMetadata().getNamespace();
    GenericKubernetesResource vmi = KubeVirt.vmis(client).inNamespace(namespace).withName(KubeVirt.vmiName(pod)).get();
    if (vmi == null) {
      return Optional.empty();
    }
    String strategy = KubeVirt.evictionStrategy(vmi, () -> null);
    boolean migratable = KubeVirt.liveMigratable(vmi);
    boolean evacuate =
        KubeVirt.EXTERNAL.equals(strategy)
            || (migratable && (KubeVirt.LIVE_MIGRATE.equals(strategy) || KubeVirt.LIVE_MIGRATE_IF_POSSIBLE.equals(strategy)));
    if (evacuate) {
      KubeVirtFixtures.patchVmiStatus(client, namespace, vmi.getMetadata().getName(), Map.of("evacuationNodeName", pod.getSpec().getNodeName()));
      return Optional.of(new Denial(429, "Eviction triggered evacuation of VMI \"" + namespace + "/" + vmi.getMetadata().getName() + "\""));
    }
    if (KubeVirt.LIVE_MIGRATE.equals(strategy)) {
      return Optional.of(new Denial(429, "VMI " + vmi.getMetadata().getName() + " is configured with an eviction strategy but is not live-migratable"));
    }
    return Optional.empty();
  }
}
