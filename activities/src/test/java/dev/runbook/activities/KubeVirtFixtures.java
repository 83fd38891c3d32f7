package dev.runbook.activities;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A KubeVirt VM as the cluster shows it: the VirtualMachine, its VMI, and the VMI's virt-launcher pod. */
final class KubeVirtFixtures {
  private KubeVirtFixtures() {}

  record VmSpec(
      String namespace,
      String name,
      String node,
      String evictionStrategy,
      boolean migratable,
      String notMigratableReason,
      String notMigratableMessage,
      String runStrategy) {
    static VmSpec migratable(String name, String node, String strategy) {
      return new VmSpec("vms", name, node, strategy, true, null, null, "Always");
    }

    static VmSpec notMigratable(String name, String node, String strategy) {
      return new VmSpec(
          "vms",
          name,
          node,
          strategy,
          false,
          "DisksNotLiveMigratable",
          "cannot migrate VMI: PVC rootdisk is not shared, live migration requires that all PVCs must be shared"
              + " (using ReadWriteMany access mode)",
          "Always");
    }

    VmSpec withRunStrategy(String strategy) {
      return new VmSpec(namespace, name, node, evictionStrategy, migratable, notMigratableReason, notMigratableMessage, strategy);
    }
  }

  /** Creates VM, VMI and launcher pod; returns the pod. */
  static Pod create(KubernetesClient client, VmSpec spec) {
    Fixtures.namespace(client, spec.namespace());
    GenericKubernetesResource vm =
        KubeVirt.vms(client)
            .inNamespace(spec.namespace())
            .resource(
                new GenericKubernetesResourceBuilder()
                    .withApiVersion("kubevirt.io/v1")
                    .withKind("VirtualMachine")
                    .withNewMetadata()
                    .withNamespace(spec.namespace())
                    .withName(spec.name())
                    .withUid(UUID.randomUUID().toString())
                    .endMetadata()
                    .withAdditionalProperties(Map.of("spec", Map.of("runStrategy", spec.runStrategy())))
                    .build())
            .create();
    Map<String, Object> vmiSpec = new LinkedHashMap<>();
    if (spec.evictionStrategy() != null) {
      vmiSpec.put("evictionStrategy", spec.evictionStrategy());
    }
    Map<String, Object> condition = new LinkedHashMap<>();
    condition.put("type", "LiveMigratable");
    condition.put("status", spec.migratable() ? "True" : "False");
    if (!spec.migratable()) {
      condition.put("reason", spec.notMigratableReason());
      condition.put("message", spec.notMigratableMessage());
    }
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", "Running");
    status.put("nodeName", spec.node());
    status.put("conditions", List.of(condition));
    GenericKubernetesResource vmi =
        KubeVirt.vmis(client)
            .inNamespace(spec.namespace())
            .resource(
                new GenericKubernetesResourceBuilder()
                    .withApiVersion("kubevirt.io/v1")
                    .withKind("VirtualMachineInstance")
                    .withNewMetadata()
                    .withNamespace(spec.namespace())
                    .withName(spec.name())
                    .withUid(UUID.randomUUID().toString())
                    .withOwnerReferences(
                        new OwnerReferenceBuilder()
                            .withApiVersion("kubevirt.io/v1")
                            .withKind("VirtualMachine")
                            .withName(vm.getMetadata().getName())
                            .withUid(vm.getMetadata().getUid())
                            .withController(true)
                            .build())
                    .endMetadata()
                    .withAdditionalProperties(new LinkedHashMap<>(Map.of("spec", vmiSpec)))
                    .build())
            .create();
    patchVmiStatus(client, spec.namespace(), spec.name(), status);
    Pod pod =
        Fixtures.pod(spec.namespace(), "virt-launcher-" + spec.name() + "-x7k2p", spec.node())
            .editMetadata()
            .addToLabels(KubeVirt.VIRT_LAUNCHER_LABEL, KubeVirt.VIRT_LAUNCHER)
            .addToLabels("vm.kubevirt.io/name", spec.name())
            .addToLabels("kubevirt.io/created-by", vmi.getMetadata().getUid())
            .addToAnnotations("kubevirt.io/domain", spec.name())
            .addToOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("kubevirt.io/v1")
                    .withKind("VirtualMachineInstance")
                    .withName(vmi.getMetadata().getName())
                    .withUid(vmi.getMetadata().getUid())
                    .withController(true)
                    .build())
            .endMetadata()
            .editSpec()
            .addToVolumes(new VolumeBuilder().withName("private").withNewEmptyDir().endEmptyDir().build())
            .endSpec()
            .build();
    return Fixtures.create(client, pod);
  }

  /** KubeVirt's own CR (kubevirts.kubevirt.io) with its cluster-wide configuration; registers the CRD first. */
  static void createKubeVirtCr(KubernetesClient client, String clusterEvictionStrategy) {
    client.apiextensions().v1().customResourceDefinitions().resource(
        new CustomResourceDefinitionBuilder()
            .withNewMetadata().withName("kubevirts.kubevirt.io").endMetadata()
            .withNewSpec()
            .withGroup("kubevirt.io")
            .withScope("Namespaced")
            .withNewNames().withKind("KubeVirt").withListKind("KubeVirtList").withPlural("kubevirts").withSingular("kubevirt").endNames()
            .addNewVersion().withName("v1").withServed(true).withStorage(true)
            .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true).endOpenAPIV3Schema().endSchema()
            .endVersion()
            .endSpec()
            .build()).create();
    Fixtures.namespace(client, "kubevirt");
    client
        .genericKubernetesResources(KubeVirt.KUBEVIRT)
        .inNamespace("kubevirt")
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("kubevirt.io/v1")
                .withKind("KubeVirt")
                .withNewMetadata()
                .withNamespace("kubevirt")
                .withName("kubevirt")
                .endMetadata()
                .withAdditionalProperties(
                    Map.of("spec", Map.of("configuration", Map.of("evictionStrategy", clusterEvictionStrategy))))
                .build())
        .create();
  }

  /** Merges {@code changes} into the VMI's status (a null value removes the field), as KubeVirt's controllers would. */
  static void patchVmiStatus(KubernetesClient client, String namespace, String name, Map<String, Object> changes) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", changes);
    KubeVirt.vmis(client)
        .inNamespace(namespace)
        .withName(name)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), client.getKubernetesSerialization().asJson(body));
  }

  static List<String> names(List<GenericKubernetesResource> resources) {
    List<String> names = new ArrayList<>();
    resources.forEach(r -> names.add(r.getMetadata().getName()));
    return names;
  }
}
