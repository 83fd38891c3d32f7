package dev.runbook.simulator.kubevirt;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.Map;

/** A VirtualMachine (kubevirt.io/v1), read through the fields the simulator uses. */
final class Vm extends KubeVirtObject {
  Vm(GenericKubernetesResource resource) {
    super(resource);
  }

  /**
   * spec.runStrategy, else the legacy spec.running (true = Always, false = Halted), as KubeVirt's
   * VirtualMachine.RunStrategy() resolves it; neither set means Halted.
   */
  String runStrategy() {
    String strategy = string("spec", "runStrategy");
    if (strategy != null && !strategy.isEmpty()) {
      return strategy;
    }
    Object running = resource.get("spec", "running");
    if (running != null && Boolean.parseBoolean(running.toString())) {
      return KubeVirt.ALWAYS;
    }
    return KubeVirt.HALTED;
  }

  Map<String, Object> template() {
    Map<String, Object> template = map("spec", "template");
    return template == null ? Map.of() : template;
  }

  String printableStatus() {
    return string("status", "printableStatus");
  }
}
