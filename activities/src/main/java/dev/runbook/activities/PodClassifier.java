package dev.runbook.activities;

import dev.runbook.workflows.activities.DrainPlanRequest;
import dev.runbook.workflows.activities.PlannedVm;
import dev.runbook.workflows.activities.PodAction;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * kubectl drain's pod filters, as decisions with plain-word reasons. Unlike kubectl, which stops at the first
 * refusal, a refused pod names every option it would need, so the operator fixes the request once.
 */
final class PodClassifier {
  static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
  /** kubectl's own message, kept verbatim so operators recognise it. */
  static final String KUBECTL_DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";

  record Decision(PodAction action, String reason) {}

  private PodClassifier() {}

  /**
   * @param daemonSetExists whether a pod's DaemonSet still exists (an orphaned DaemonSet pod is removed under force,
   *     as kubectl does)
   */
  static Decision classify(Pod pod, DrainPlanRequest options, Predicate<Pod> daemonSetExists) {
    Map<String, String> annotations = Optional.ofNullable(pod.getMetadata().getAnnotations()).orElse(Map.of());
    if (annotations.containsKey(MIRROR_ANNOTATION)) {
      return new Decision(
          PodAction.SKIP_MIRROR,
          "mirror pod of a static pod: the kubelet runs it from a file, the API cannot remove it");
    }
    String phase = phase(pod);
    if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
      return new Decision(PodAction.DELETE_FINISHED, "finished (" + phase + "): deleted, there is nothing to disrupt");
    }
    OwnerReference controller = controllerOf(pod);
    List<String> refusals = new ArrayList<>();
    String evictReason;
    if (controller != null && "DaemonSet".equals(controller.getKind())) {
      if (daemonSetExists.test(pod)) {
        if (!options.ignoreDaemonSets()) {
          return new Decision(
              PodAction.REFUSE,
              "managed by DaemonSet " + controller.getName() + ": " + KUBECTL_DAEMONSET_FATAL
                  + "; set ignoreDaemonSets to leave it running (its DaemonSet would recreate it anyway)");
        }
        return new Decision(
            PodAction.SKIP_DAEMONSET,
            "managed by DaemonSet " + controller.getName() + ": left running (ignoreDaemonSets)");
      }
      if (!options.force()) {
        refusals.add(
            "its DaemonSet " + controller.getName() + " no longer exists, so nothing would recreate it; set force to"
                + " evict it anyway");
      }
      evictReason = "orphaned pod of the deleted DaemonSet " + controller.getName() + ": evicted because force is set";
    } else if (controller == null) {
      if (!options.force()) {
        refusals.add(
            "it declares no controller, so nothing would recreate it; set force (kubectl --force) to evict it anyway");
      }
      evictReason = "declares no controller: evicted because force is set; nothing will recreate it";
    } else {
      evictReason = "managed by " + controller.getKind() + " " + controller.getName() + ": evicted (PDBs respected)";
    }
    List<String> emptyDirs = emptyDirVolumes(pod);
    if (!emptyDirs.isEmpty() && !options.deleteEmptyDirData()) {
      refusals.add(
          "it has emptyDir volumes " + emptyDirs + " whose data is lost on eviction; set deleteEmptyDirData"
              + " (kubectl --delete-emptydir-data) to allow it");
    }
    if (!refusals.isEmpty()) {
      return new Decision(PodAction.REFUSE, "cannot drain: " + String.join("; and ", refusals));
    }
    return new Decision(PodAction.EVICT, evictReason);
  }

  /** What KubeVirt's eviction webhook will do with the VM's virt-launcher pod, by evictionStrategy. */
  static Decision classifyVm(PlannedVm vm) {
    String strategy = vm.evictionStrategy();
    String vmi = "VMI " + vm.key();
    return switch (strategy) {
      case KubeVirt.LIVE_MIGRATE ->
          vm.liveMigratable()
              ? new Decision(PodAction.MIGRATE_VM, vmi + " live-migrates (evictionStrategy LiveMigrate)")
              : new Decision(
                  PodAction.VM_BLOCKED,
                  vmi + " has evictionStrategy LiveMigrate but cannot live-migrate (" + vm.notMigratableReason()
                      + "): KubeVirt refuses its eviction");
      case KubeVirt.LIVE_MIGRATE_IF_POSSIBLE ->
          vm.liveMigratable()
              ? new Decision(PodAction.MIGRATE_VM, vmi + " live-migrates (evictionStrategy LiveMigrateIfPossible)")
              : new Decision(
                  PodAction.EVICT_VM_SHUTDOWN,
                  vmi + " cannot live-migrate (" + vm.notMigratableReason() + "), so evictionStrategy"
                      + " LiveMigrateIfPossible shuts it down" + restartNote(vm));
      case KubeVirt.EXTERNAL ->
          new Decision(
              PodAction.VM_BLOCKED,
              vmi + " has evictionStrategy External: KubeVirt only marks it for evacuation and waits for an external"
                  + " controller to move it");
      default ->
          new Decision(
              PodAction.EVICT_VM_SHUTDOWN,
              vmi + " has evictionStrategy " + strategy + ": the eviction shuts it down" + restartNote(vm));
    };
  }

  private static String restartNote(PlannedVm vm) {
    if (vm.runStrategy() == null) {
      return " (no VirtualMachine: it is not restarted)";
    }
    return vm.restartExpected()
        ? " and KubeVirt restarts it elsewhere (runStrategy " + vm.runStrategy() + ")"
        : " and it stays off (runStrategy " + vm.runStrategy() + ")";
  }

  static OwnerReference controllerOf(Pod pod) {
    return Optional.ofNullable(pod.getMetadata().getOwnerReferences()).orElse(List.of()).stream()
        .filter(o -> Boolean.TRUE.equals(o.getController()))
        .findFirst()
        .orElse(null);
  }

  static List<String> emptyDirVolumes(Pod pod) {
    if (pod.getSpec() == null || pod.getSpec().getVolumes() == null) {
      return List.of();
    }
    return pod.getSpec().getVolumes().stream().filter(v -> v.getEmptyDir() != null).map(Volume::getName).toList();
  }

  static String phase(Pod pod) {
    return pod.getStatus() == null ? null : pod.getStatus().getPhase();
  }
}
