package dev.runbook.simulator.kubevirt;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.Set;

/** A VirtualMachineInstanceMigration (kubevirt.io/v1), read through the fields the simulator uses. */
final class Vmim extends KubeVirtObject {
  /** Phases in which a migration holds a slot of the parallel limits (KubeVirt's IsRunning for VMIMs). */
  private static final Set<String> ACTIVE =
      Set.of(
          KubeVirt.SCHEDULING,
          KubeVirt.SCHEDULED,
          KubeVirt.PREPARING_TARGET,
          KubeVirt.TARGET_READY,
          KubeVirt.RUNNING);

  Vmim(GenericKubernetesResource resource) {
    super(resource);
  }

  String vmiName() {
    return string("spec", "vmiInstanceName");
  }

  String phase() {
    String phase = string("status", "phase");
    return phase == null ? "" : phase;
  }

  boolean isFinal() {
    return KubeVirt.SUCCEEDED.equals(phase()) || KubeVirt.FAILED.equals(phase());
  }

  /** Past Pending and not finished: counts against parallelMigrationsPerCluster / OutboundPerNode. */
  boolean active() {
    return ACTIVE.contains(phase());
  }

  boolean evacuation() {
    return annotations().containsKey(KubeVirt.EVACUATION_MIGRATION_ANNOTATION);
  }

  /** The node this migration moves the VMI off, recorded when its target pod is created. */
  String sourceNode() {
    return string("status", "migrationState", "sourceNode");
  }

  String targetPod() {
    return string("status", "migrationState", "targetPod");
  }

  String targetNode() {
    return string("status", "migrationState", "targetNode");
  }
}
