package dev.runbook.activities;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * KubeVirt objects read as {@link GenericKubernetesResource}: the project does not depend on KubeVirt's Java model,
 * and the resource contexts are explicit so no API discovery is needed.
 */
final class KubeVirt {
  static final String VIRT_LAUNCHER_LABEL = "kubevirt.io";
  static final String VIRT_LAUNCHER = "virt-launcher";
  static final String LIVE_MIGRATE = "LiveMigrate";
  static final String LIVE_MIGRATE_IF_POSSIBLE = "LiveMigrateIfPossible";
  static final String NONE = "None";
  static final String EXTERNAL = "External";

  static final ResourceDefinitionContext VMI = context("VirtualMachineInstance", "virtualmachineinstances", true);
  static final ResourceDefinitionContext VM = context("VirtualMachine", "virtualmachines", true);
  static final ResourceDefinitionContext MIGRATION =
      context("VirtualMachineInstanceMigration", "virtualmachineinstancemigrations", true);
  static final ResourceDefinitionContext KUBEVIRT = context("KubeVirt", "kubevirts", true);

  private KubeVirt() {}

  private static ResourceDefinitionContext context(String kind, String plural, boolean namespaced) {
    return new ResourceDefinitionContext.Builder()
        .withGroup("kubevirt.io")
        .withVersion("v1")
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(namespaced)
        .build();
  }

  static MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>>
      vmis(KubernetesClient client) {
    return client.genericKubernetesResources(VMI);
  }

  static MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>>
      vms(KubernetesClient client) {
    return client.genericKubernetesResources(VM);
  }

  static MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>>
      migrations(KubernetesClient client) {
    return client.genericKubernetesResources(MIGRATION);
  }

  static boolean isVirtLauncher(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return labels != null && VIRT_LAUNCHER.equals(labels.get(VIRT_LAUNCHER_LABEL));
  }

  /** The VMI that owns a virt-launcher pod, or null. */
  static String vmiName(Pod pod) {
    return Optional.ofNullable(pod.getMetadata().getOwnerReferences()).orElse(List.of()).stream()
        .filter(o -> "VirtualMachineInstance".equals(o.getKind()))
        .map(OwnerReference::getName)
        .findFirst()
        .orElse(null);
  }

  /** The VMI's own strategy, else the cluster-wide one from the KubeVirt CR, else KubeVirt's default None. */
  static String evictionStrategy(GenericKubernetesResource vmi, Supplier<String> clusterDefault) {
    String own = vmi.get("spec", "evictionStrategy");
    if (own != null) {
      return own;
    }
    String fromCluster = clusterDefault.get();
    return fromCluster != null ? fromCluster : NONE;
  }

  /** spec.configuration.evictionStrategy of the KubeVirt CR, or null when there is none (or no CR). */
  static String clusterEvictionStrategy(KubernetesClient client) {
    try {
      return client.genericKubernetesResources(KUBEVIRT).inAnyNamespace().list().getItems().stream()
          .map(kv -> (String) kv.get("spec", "configuration", "evictionStrategy"))
          .filter(Objects::nonNull)
          .findFirst()
          .orElse(null);
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (ApiFailures.isNotFound(e)) {
        return null; // KubeVirt is not installed
      }
      throw e;
    }
  }

  /** The {@code LiveMigratable} condition, or null when KubeVirt has not set it. */
  static Map<String, Object> liveMigratableCondition(GenericKubernetesResource vmi) {
    List<Map<String, Object>> conditions = vmi.get("status", "conditions");
    if (conditions == null) {
      return null;
    }
    return conditions.stream().filter(c -> "LiveMigratable".equals(c.get("type"))).findFirst().orElse(null);
  }

  static boolean liveMigratable(GenericKubernetesResource vmi) {
    Map<String, Object> condition = liveMigratableCondition(vmi);
    return condition != null && "True".equals(condition.get("status"));
  }

  /** KubeVirt's reason and message when the VMI cannot live-migrate, else null. */
  static String notMigratableReason(GenericKubernetesResource vmi) {
    if (liveMigratable(vmi)) {
      return null;
    }
    Map<String, Object> condition = liveMigratableCondition(vmi);
    if (condition == null) {
      return "KubeVirt has not reported the VMI as live-migratable (no LiveMigratable condition)";
    }
    Object reason = condition.get("reason");
    Object message = condition.get("message");
    return (reason == null ? "NotMigratable" : reason) + (message == null ? "" : ": " + message);
  }

  /** The VirtualMachine owning the VMI (by owner reference, else KubeVirt's same-name convention), or null. */
  static GenericKubernetesResource vmOf(KubernetesClient client, GenericKubernetesResource vmi) {
    String name =
        Optional.ofNullable(vmi.getMetadata().getOwnerReferences()).orElse(List.of()).stream()
            .filter(o -> "VirtualMachine".equals(o.getKind()))
            .map(OwnerReference::getName)
            .findFirst()
            .orElse(vmi.getMetadata().getName());
    return vms(client).inNamespace(vmi.getMetadata().getNamespace()).withName(name).get();
  }

  /** spec.runStrategy, or the legacy spec.running mapped as KubeVirt maps it. */
  static String runStrategy(GenericKubernetesResource vm) {
    if (vm == null) {
      return null;
    }
    String strategy = vm.get("spec", "runStrategy");
    if (strategy != null) {
      return strategy;
    }
    Object running = vm.get("spec", "running");
    if (running == null) {
      return null;
    }
    return Boolean.TRUE.equals(running) || "true".equals(String.valueOf(running)) ? "Always" : "Halted";
  }

  static String nodeName(GenericKubernetesResource vmi) {
    return vmi.get("status", "nodeName");
  }

  static String phase(GenericKubernetesResource resource) {
    return resource.get("status", "phase");
  }

  static String evacuationNodeName(GenericKubernetesResource vmi) {
    return vmi.get("status", "evacuationNodeName");
  }

  static boolean finished(GenericKubernetesResource vmi) {
    String phase = phase(vmi);
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }
}
