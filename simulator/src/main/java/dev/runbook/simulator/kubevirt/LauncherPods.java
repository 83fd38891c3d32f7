package dev.runbook.simulator.kubevirt;

import dev.runbook.simulator.SimAnnotations;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Builds virt-launcher pods the way virt-controller's template service does, to the depth drains look at. */
final class LauncherPods {
  private LauncherPods() {}

  private static final String SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private static final Random RANDOM = new SecureRandom();
  /** KubeVirt gives the launcher 15 s more than the guest's own grace period. */
  private static final long LAUNCHER_EXTRA_GRACE_SECONDS = 15;
  private static final long DEFAULT_GUEST_GRACE_SECONDS = 30;
  /** Scratch directories every launcher mounts; they are why drains need --delete-emptydir-data for VMs. */
  private static final List<String> EMPTY_DIRS =
      List.of("private", "public", "sockets", "ephemeral-disks", "container-disks", "hotplug-disks");

  static boolean isLauncher(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return labels != null && KubeVirt.VIRT_LAUNCHER.equals(labels.get(KubeVirt.APP_LABEL));
  }

  static boolean isFinished(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  static boolean isRunning(Pod pod) {
    return pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase());
  }

  static boolean isReady(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static String createdBy(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return labels == null ? null : labels.get(KubeVirt.CREATED_BY_LABEL);
  }

  static String migrationJob(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return labels == null ? null : labels.get(KubeVirt.MIGRATION_JOB_UID_LABEL);
  }

  static String domain(Pod pod) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(KubeVirt.DOMAIN_ANNOTATION);
  }

  /** The pod that runs {@code vmi}'s guest, unscheduled; the scheduler picks its node. */
  static Pod launcher(Vmi vmi) {
    return build(vmi, null, null);
  }

  /**
   * A migration target pod: like the launcher, plus the migration's label and an affinity that keeps it off
   * the source node (KubeVirt adds a pod anti-affinity to the VMI's other pods on the hostname topology; the
   * node anti-affinity says the same to a scheduler that only reads node terms).
   */
  static Pod target(Vmi vmi, String migrationUid, String sourceNode) {
    return build(vmi, migrationUid, sourceNode);
  }

  private static Pod build(Vmi vmi, String migrationUid, String avoidNode) {
    Map<String, Object> spec = vmi.spec();
    Map<String, String> labels = new LinkedHashMap<>(vmi.labels());
    labels.put(KubeVirt.APP_LABEL, KubeVirt.VIRT_LAUNCHER);
    labels.put(KubeVirt.CREATED_BY_LABEL, vmi.uid());
    labels.put(KubeVirt.VM_NAME_LABEL, vmi.name());
    labels.remove(KubeVirt.NODE_NAME_LABEL);
    if (migrationUid != null) {
      labels.put(KubeVirt.MIGRATION_JOB_UID_LABEL, migrationUid);
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(KubeVirt.DOMAIN_ANNOTATION, vmi.name());
    // The kubelet reads simulated durations from the pod; the VMI's own settings follow its guest there.
    for (Map.Entry<String, String> a : vmi.annotations().entrySet()) {
      if (a.getKey().startsWith(SimAnnotations.PREFIX)) {
        annotations.put(a.getKey(), a.getValue());
      }
    }
    long guestGrace = DEFAULT_GUEST_GRACE_SECONDS;
    Object grace = spec.get("terminationGracePeriodSeconds");
    if (grace instanceof Number n) {
      guestGrace = n.longValue();
    }

    PodBuilder pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(podName(vmi.name()))
            .withNamespace(vmi.namespace())
            .withLabels(labels)
            .withAnnotations(annotations)
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(KubeVirt.API_VERSION)
                    .withKind("VirtualMachineInstance")
                    .withName(vmi.name())
                    .withUid(vmi.uid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build())
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("compute")
            .withImage("quay.io/kubevirt/virt-launcher")
            .withCommand("/usr/bin/virt-launcher-monitor")
            .endContainer()
            .withVolumes(volumes(vmi))
            .withRestartPolicy("Never")
            .withTerminationGracePeriodSeconds(guestGrace + LAUNCHER_EXTRA_GRACE_SECONDS)
            .withNodeSelector(stringMap(spec.get("nodeSelector")))
            .withTolerations(tolerations(spec.get("tolerations")))
            .withAffinity(affinity(spec.get("affinity"), vmi.uid(), avoidNode))
            .endSpec();
    return pod.build();
  }

  static String podName(String vmiName) {
    StringBuilder suffix = new StringBuilder(5);
    for (int i = 0; i < 5; i++) {
      suffix.append(SUFFIX_ALPHABET.charAt(RANDOM.nextInt(SUFFIX_ALPHABET.length())));
    }
    return "virt-launcher-" + vmiName + "-" + suffix;
  }

  /** The VMI's PVC and DataVolume disks become claims of the launcher; a DataVolume's PVC has its name. */
  static List<String> claimNames(Vmi vmi) {
    List<String> claims = new ArrayList<>();
    for (Object v : vmi.list("spec", "volumes")) {
      if (!(v instanceof Map<?, ?> volume)) {
        continue;
      }
      if (volume.get("persistentVolumeClaim") instanceof Map<?, ?> pvc && pvc.get("claimName") != null) {
        claims.add(pvc.get("claimName").toString());
      } else if (volume.get("dataVolume") instanceof Map<?, ?> dv && dv.get("name") != null) {
        claims.add(dv.get("name").toString());
      }
    }
    return claims;
  }

  private static List<Volume> volumes(Vmi vmi) {
    List<Volume> volumes = new ArrayList<>();
    for (String dir : EMPTY_DIRS) {
      volumes.add(new VolumeBuilder().withName(dir).withNewEmptyDir().endEmptyDir().build());
    }
    int i = 0;
    for (String claim : claimNames(vmi)) {
      volumes.add(
          new VolumeBuilder()
              .withName("disk-" + i++)
              .withNewPersistentVolumeClaim()
              .withClaimName(claim)
              .endPersistentVolumeClaim()
              .build());
    }
    return volumes;
  }

  private static Map<String, String> stringMap(Object value) {
    Map<String, String> out = new LinkedHashMap<>();
    if (value instanceof Map<?, ?> m) {
      m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
    }
    return out;
  }

  private static List<Toleration> tolerations(Object value) {
    List<Toleration> out = new ArrayList<>();
    if (value instanceof List<?> l) {
      for (Object t : l) {
        out.add(Serialization.unmarshal(Serialization.asJson(t), Toleration.class));
      }
    }
    return out;
  }

  private static Affinity affinity(Object vmiAffinity, String vmiUid, String avoidNode) {
    Affinity affinity =
        vmiAffinity instanceof Map<?, ?>
            ? Serialization.unmarshal(Serialization.asJson(vmiAffinity), Affinity.class)
            : null;
    if (avoidNode == null) {
      return affinity;
    }
    AffinityBuilder builder = affinity == null ? new AffinityBuilder() : new AffinityBuilder(affinity);
    NodeSelectorTerm avoid =
        new NodeSelectorTermBuilder()
            .withMatchExpressions(
                new NodeSelectorRequirementBuilder()
                    .withKey("kubernetes.io/hostname")
                    .withOperator("NotIn")
                    .withValues(avoidNode)
                    .build())
            .withMatchFields(
                new NodeSelectorRequirementBuilder()
                    .withKey("metadata.name")
                    .withOperator("NotIn")
                    .withValues(avoidNode)
                    .build())
            .build();
    List<NodeSelectorTerm> terms = new ArrayList<>();
    if (affinity != null
        && affinity.getNodeAffinity() != null
        && affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() != null) {
      // Terms are ORed: the source-node exclusion has to join every existing term.
      for (NodeSelectorTerm term :
          affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms()) {
        NodeSelectorTermBuilder joined = new NodeSelectorTermBuilder(term);
        joined.addAllToMatchExpressions(avoid.getMatchExpressions());
        joined.addAllToMatchFields(avoid.getMatchFields());
        terms.add(joined.build());
      }
    }
    if (terms.isEmpty()) {
      terms.add(avoid);
    }
    return builder
        .editOrNewNodeAffinity()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution()
        .withNodeSelectorTerms(terms)
        .endRequiredDuringSchedulingIgnoredDuringExecution()
        .endNodeAffinity()
        .editOrNewPodAntiAffinity()
        .addToRequiredDuringSchedulingIgnoredDuringExecution(
            new PodAffinityTermBuilder()
                .withLabelSelector(
                    new LabelSelectorBuilder().addToMatchLabels(KubeVirt.CREATED_BY_LABEL, vmiUid).build())
                .withTopologyKey("kubernetes.io/hostname")
                .build())
        .endPodAntiAffinity()
        .build();
  }
}
