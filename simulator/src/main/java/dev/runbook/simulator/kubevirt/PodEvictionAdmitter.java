package dev.runbook.simulator.kubevirt;

import dev.runbook.simulator.EvictionAdmitter;
import dev.runbook.simulator.SimContext;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * KubeVirt's validating webhook on pods/eviction (virt-api's PodEvictionAdmitter): an eviction of a running
 * virt-launcher pod whose VMI should move on eviction marks the VMI for evacuation and is refused with 429, so
 * the pod stays until the migration has moved the guest.
 *
 * <table>
 *   <caption>What the webhook answers, by the VMI's eviction strategy</caption>
 *   <tr><th>strategy</th><th>migratable</th><th>not migratable</th></tr>
 *   <tr><td>LiveMigrate</td><td>mark, 429</td><td>429 "not live-migratable"</td></tr>
 *   <tr><td>LiveMigrateIfPossible</td><td>mark, 429</td><td>allow (the VM shuts down)</td></tr>
 *   <tr><td>External</td><td>mark, 429</td><td>mark, 429</td></tr>
 *   <tr><td>None</td><td>allow</td><td>allow</td></tr>
 * </table>
 *
 * <p>A VMI already marked is refused again with "Evacuation in progress: ..." and not marked twice. Denial
 * messages carry the prefix a real API server puts before a webhook's message, so clients see exactly what
 * {@code kubectl drain} shows against a real cluster.
 */
public final class PodEvictionAdmitter implements EvictionAdmitter {
  private static final int TOO_MANY_REQUESTS = 429;

  @Override
  public Optional<Denial> admit(Pod pod, KubernetesClient client, SimContext context) {
    if (!LauncherPods.isLauncher(pod) || LauncherPods.isFinished(pod)) {
      return Optional.empty();
    }
    String vmiName = LauncherPods.domain(pod);
    if (vmiName == null) {
      return Optional.empty();
    }
    String namespace = pod.getMetadata().getNamespace();
    GenericKubernetesResource found;
    try {
      found = KubeVirt.vmis(client).inNamespace(namespace).withName(vmiName).get();
    } catch (KubernetesClientException e) {
      return deny("kubevirt failed getting the vmi: " + e.getMessage());
    }
    if (found == null) {
      return deny(
          "kubevirt failed getting the vmi: virtualmachineinstances.kubevirt.io \"" + vmiName + "\" not found");
    }
    Vmi vmi = new Vmi(found);

    boolean mark;
    switch (vmi.evictionStrategy(context.settings())) {
      case KubeVirt.LIVE_MIGRATE -> {
        if (!vmi.migratable()) {
          return deny("VMI " + vmi.name() + " is configured with an eviction strategy but is not live-migratable");
        }
        mark = true;
      }
      case KubeVirt.LIVE_MIGRATE_IF_POSSIBLE -> mark = vmi.migratable();
      case KubeVirt.EXTERNAL -> mark = true;
      default -> mark = false;
    }
    if (!mark) {
      return Optional.empty();
    }

    // This message format is what the descheduler and drains look for.
    String evacuation = "Eviction triggered evacuation of VMI \"" + namespace + "/" + vmi.name() + "\"";
    if (vmi.markedForEviction()) {
      return deny("Evacuation in progress: " + evacuation);
    }
    if (!Objects.equals(pod.getSpec().getNodeName(), vmi.nodeName())) {
      return deny("Eviction request for target Pod");
    }
    try {
      KubeVirt.patchStatus(
          KubeVirt.vmis(client).inNamespace(namespace).withName(vmi.name()),
          found,
          Map.of("evacuationNodeName", pod.getSpec().getNodeName()));
    } catch (KubernetesClientException e) {
      return deny("kubevirt failed marking the vmi for eviction: " + e.getMessage());
    }
    return deny(evacuation);
  }

  private static Optional<Denial> deny(String message) {
    return Optional.of(
        new Denial(
            TOO_MANY_REQUESTS, "admission webhook \"" + KubeVirt.EVICTION_WEBHOOK + "\" denied the request: " + message));
  }
}
