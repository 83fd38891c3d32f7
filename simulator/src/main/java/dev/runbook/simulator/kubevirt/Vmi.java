package dev.runbook.simulator.kubevirt;

import dev.runbook.simulator.SimSettings;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** A VirtualMachineInstance (kubevirt.io/v1), read through the fields the simulator uses. */
final class Vmi extends KubeVirtObject {
  Vmi(GenericKubernetesResource resource) {
    super(resource);
  }

  String phase() {
    String phase = string("status", "phase");
    return phase == null ? "" : phase;
  }

  boolean isFinal() {
    return KubeVirt.SUCCEEDED.equals(phase()) || KubeVirt.FAILED.equals(phase());
  }

  boolean isRunning() {
    return KubeVirt.RUNNING.equals(phase());
  }

  String nodeName() {
    return string("status", "nodeName");
  }

  String evacuationNodeName() {
    String node = string("status", "evacuationNodeName");
    return node == null || node.isEmpty() ? null : node;
  }

  /** KubeVirt's IsMarkedForEviction: the eviction webhook set evacuationNodeName. */
  boolean markedForEviction() {
    return evacuationNodeName() != null;
  }

  /** migrations.VMIEvictionStrategy: the VMI's own strategy, else the cluster-wide default. */
  String evictionStrategy(SimSettings settings) {
    String own = string("spec", "evictionStrategy");
    if (own != null && !own.isEmpty()) {
      return own;
    }
    return settings.defaultEvictionStrategy();
  }

  /** KubeVirt's IsMigratable: the LiveMigratable condition is True. */
  boolean migratable() {
    Map<String, Object> condition = condition(KubeVirt.LIVE_MIGRATABLE);
    return condition != null && "True".equals(String.valueOf(condition.get("status")));
  }

  Map<String, Object> condition(String type) {
    for (Object c : list("status", "conditions")) {
      if (c instanceof Map<?, ?> m && type.equals(m.get("type"))) {
        @SuppressWarnings("unchecked")
        Map<String, Object> typed = (Map<String, Object>) m;
        return typed;
      }
    }
    return null;
  }

  List<Object> conditions() {
    return list("status", "conditions");
  }

  Map<String, Object> migrationState() {
    return map("status", "migrationState");
  }

  /** A migration is in flight: its state is recorded on the VMI and has not completed. */
  boolean migrating() {
    Map<String, Object> state = migrationState();
    return state != null && !Boolean.TRUE.equals(state.get("completed"));
  }

  Map<String, Object> activePods() {
    Map<String, Object> pods = map("status", "activePods");
    return pods == null ? Map.of() : pods;
  }

  /** The VirtualMachine that owns this VMI, or null for a standalone VMI. */
  String ownerVm() {
    return controllerOwner()
        .filter(o -> "VirtualMachine".equals(o.getKind()))
        .map(OwnerReference::getName)
        .orElse(null);
  }

  /** The name a VM's fate is recorded under: the owning VM, else the VMI itself. */
  String vmName() {
    return Objects.requireNonNullElse(ownerVm(), name());
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> spec() {
    Object spec = resource.getAdditionalProperties().get("spec");
    return spec instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }
}
