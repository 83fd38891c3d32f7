package dev.runbook.simulator.kubevirt;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * virt-controller's VMI controller together with the part of virt-handler that reports a guest's state: gives
 * each VMI a virt-launcher pod, follows that pod through Pending → Scheduling → Scheduled → Running, reports the
 * LiveMigratable condition from the VMI's volumes, and fails the VMI when its launcher pod goes away under it
 * (KubeVirt: "someone other than the controller deleted the pod unexpectedly" → Failed). Pods left by a VMI that
 * no longer exists are removed, as the garbage collector would through their owner reference.
 */
public final class VirtualMachineInstanceController extends LevelTriggeredController {
  private static final String SHARED_REQUIRED =
      ", live migration requires that all PVCs must be shared (using ReadWriteMany access mode)";

  @Override
  public String name() {
    return "kubevirt-vmi";
  }

  @Override
  protected void watch() {
    watchShared("kubevirt.io/v1/virtualmachineinstances", c -> KubeVirt.vmis(c).inAnyNamespace());
    watchShared(
        "pods?labelSelector=" + KubeVirt.APP_LABEL + "=" + KubeVirt.VIRT_LAUNCHER,
        c -> c.pods().inAnyNamespace().withLabel(KubeVirt.APP_LABEL, KubeVirt.VIRT_LAUNCHER));
  }

  @Override
  protected void reconcile() {
    List<Vmi> vmis = KubeVirt.vmis(client).inAnyNamespace().list().getItems().stream().map(Vmi::new).toList();
    List<Pod> pods =
        client.pods().inAnyNamespace().withLabel(KubeVirt.APP_LABEL, KubeVirt.VIRT_LAUNCHER).list().getItems();
    Set<String> uids = vmis.stream().map(Vmi::uid).collect(Collectors.toSet());

    Map<String, List<Pod>> byVmi = new HashMap<>();
    for (Pod pod : pods) {
      String owner = LauncherPods.createdBy(pod);
      if (owner == null || !uids.contains(owner)) {
        owner = adopt(pod, vmis);
      }
      if (owner == null) {
        // Its VMI is gone: what the garbage collector does through the owner reference.
        KubeVirt.deleteQuietly(
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()));
        continue;
      }
      byVmi.computeIfAbsent(owner, k -> new ArrayList<>()).add(pod);
    }
    for (Vmi vmi : vmis) {
      try {
        reconcile(vmi, byVmi.getOrDefault(vmi.uid(), List.of()));
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404 && e.getCode() != 409) {
          throw e;
        }
        trigger();
      }
    }
  }

  /**
   * A launcher pod placed by a scenario cannot know its VMI's uid: it is taken over by the live VMI its domain
   * annotation (or VM name label) names. Finished or terminating pods are never adopted.
   */
  private String adopt(Pod pod, List<Vmi> vmis) {
    if (LauncherPods.isFinished(pod) || pod.getMetadata().getDeletionTimestamp() != null) {
      return null;
    }
    String wanted = LauncherPods.domain(pod);
    if (wanted == null && pod.getMetadata().getLabels() != null) {
      wanted = pod.getMetadata().getLabels().get(KubeVirt.VM_NAME_LABEL);
    }
    for (Vmi vmi : vmis) {
      if (vmi.name().equals(wanted)
          && vmi.namespace().equals(pod.getMetadata().getNamespace())
          && !vmi.isFinal()
          && !vmi.deleting()) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put(
            "labels",
            Map.of(KubeVirt.CREATED_BY_LABEL, vmi.uid(), KubeVirt.APP_LABEL, KubeVirt.VIRT_LAUNCHER));
        meta.put("annotations", Map.of(KubeVirt.DOMAIN_ANNOTATION, vmi.name()));
        meta.put(
            "ownerReferences",
            List.of(
                new OwnerReferenceBuilder()
                    .withApiVersion(KubeVirt.API_VERSION)
                    .withKind("VirtualMachineInstance")
                    .withName(vmi.name())
                    .withUid(vmi.uid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build()));
        KubeVirt.patch(
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()),
            Map.of("metadata", meta));
        return vmi.uid();
      }
    }
    return null;
  }

  private void reconcile(Vmi vmi, List<Pod> pods) {
    var resource = KubeVirt.vmis(client).inNamespace(vmi.namespace()).withName(vmi.name());
    if (vmi.deleting()) {
      pods.forEach(this::delete);
      return;
    }
    Map<String, Object> status = new LinkedHashMap<>();
    String phase = vmi.phase();
    String next = phase;

    if (!vmi.isFinal()) {
      String strategy = vmi.evictionStrategy(context.settings());
      if (!Objects.equals(strategy, vmi.string("status", "evictionStrategy"))) {
        status.put("evictionStrategy", strategy);
      }
    }

    List<Pod> live = pods.stream().filter(p -> !LauncherPods.isFinished(p)).toList();
    // The pod that runs the guest now; a migration target pod elsewhere does not count until handover.
    Pod active =
        vmi.nodeName() == null
            ? live.stream().filter(p -> LauncherPods.migrationJob(p) == null).findFirst().orElse(null)
            : live.stream().filter(p -> vmi.nodeName().equals(p.getSpec().getNodeName())).findFirst().orElse(null);

    switch (phase) {
      case "" -> next = KubeVirt.PENDING;
      case KubeVirt.PENDING -> {
        if (active == null) {
          client.resource(LauncherPods.launcher(vmi)).create();
        }
        next = KubeVirt.SCHEDULING;
      }
      case KubeVirt.SCHEDULING -> {
        if (active == null) {
          next = KubeVirt.FAILED;
        } else if (active.getSpec().getNodeName() != null && LauncherPods.isRunning(active)) {
          next = KubeVirt.SCHEDULED;
          status.put("nodeName", active.getSpec().getNodeName());
        }
      }
      case KubeVirt.SCHEDULED -> {
        if (active == null) {
          next = KubeVirt.FAILED;
        } else if (LauncherPods.isReady(active)) {
          next = KubeVirt.RUNNING;
        }
      }
      case KubeVirt.RUNNING -> {
        if (active == null && vmi.activePods().isEmpty() && pods.isEmpty() && vmi.nodeName() != null) {
          // A scenario placed this VMI as already running: give it its pod on that node.
          Pod pod = LauncherPods.launcher(vmi);
          pod.getSpec().setNodeName(vmi.nodeName());
          client.resource(pod).create();
        } else if (active == null) {
          next = KubeVirt.FAILED;
        }
      }
      default -> {
        // Final: nothing runs the guest any more; stray pods go.
        live.forEach(this::delete);
      }
    }

    if (!KubeVirt.FAILED.equals(next) && !KubeVirt.SUCCEEDED.equals(next)) {
      Map<String, Object> migratable = liveMigratable(vmi);
      boolean ready = KubeVirt.RUNNING.equals(next) && active != null && LauncherPods.isReady(active)
          && active.getMetadata().getDeletionTimestamp() == null;
      List<Object> conditions = conditions(vmi, migratable, ready);
      if (!sameConditions(vmi.conditions(), conditions)) {
        status.put("conditions", conditions);
      }
      Map<String, Object> activePods = new LinkedHashMap<>();
      for (Pod p : live) {
        if (p.getSpec().getNodeName() != null) {
          activePods.put(p.getMetadata().getUid(), p.getSpec().getNodeName());
        }
      }
      if (!activePods.equals(vmi.activePods()) && !activePods.isEmpty()) {
        status.put("activePods", activePods);
      }
    } else if (!next.equals(phase)) {
      status.put("conditions", readyCondition(false, vmi));
    }

    if (KubeVirt.FAILED.equals(next) && !next.equals(phase) && !confirmedGone(vmi)) {
      trigger();
      return;
    }
    if (!next.equals(phase)) {
      status.put("phase", next);
      List<Object> transitions = new ArrayList<>(vmi.list("status", "phaseTransitionTimestamps"));
      transitions.add(Map.of("phase", next, "phaseTransitionTimestamp", KubeVirt.now()));
      status.put("phaseTransitionTimestamps", transitions);
    }
    if (!status.isEmpty() && !KubeVirt.patchStatus(resource, vmi.resource, status)) {
      return;
    }
    if (status.containsKey("nodeName")) {
      KubeVirt.patch(
          resource, Map.of("metadata", Map.of("labels", Map.of(KubeVirt.NODE_NAME_LABEL, status.get("nodeName")))));
    }
    if (KubeVirt.FAILED.equals(next) && !next.equals(phase)) {
      shutDown(vmi);
    }
  }

  /**
   * Failing a VMI is final, so it is decided on fresh reads: a migration may have moved the guest (new nodeName)
   * between this pass's list of VMIs and its list of pods.
   */
  private boolean confirmedGone(Vmi seen) {
    var found = KubeVirt.vmis(client).inNamespace(seen.namespace()).withName(seen.name()).get();
    if (found == null) {
      return false;
    }
    Vmi fresh = new Vmi(found);
    if (!Objects.equals(fresh.nodeName(), seen.nodeName()) || !fresh.phase().equals(seen.phase())) {
      return false;
    }
    return client.pods().inNamespace(seen.namespace()).withLabel(KubeVirt.CREATED_BY_LABEL, seen.uid()).list()
        .getItems().stream()
        .filter(p -> !LauncherPods.isFinished(p))
        .noneMatch(p -> seen.nodeName() == null
            ? LauncherPods.migrationJob(p) == null
            : seen.nodeName().equals(p.getSpec().getNodeName()));
  }

  /** The guest stopped because its pod went away: a shutdown, and a loss when it could have migrated. */
  private void shutDown(Vmi vmi) {
    String where = vmi.nodeName() == null ? "" : " on " + vmi.nodeName();
    context.score().vmFate(vmi.namespace(), vmi.vmName(), "shut down" + where);
    if (KubeVirt.LIVE_MIGRATE.equals(vmi.evictionStrategy(context.settings())) && vmi.migratable()) {
      context
          .score()
          .violation(
              "vm-lost",
              vmi.namespace() + "/" + vmi.vmName()
                  + ": live-migratable VMI with evictionStrategy LiveMigrate was shut down instead of migrated");
    }
  }

  /**
   * KubeVirt's check of the VMI's volumes: every PVC (a DataVolume's too) must be ReadWriteMany, and a host disk
   * must be shared, else the VMI cannot live-migrate. The messages are virt-controller's.
   */
  private Map<String, Object> liveMigratable(Vmi vmi) {
    for (Object v : vmi.list("spec", "volumes")) {
      if (v instanceof Map<?, ?> volume
          && volume.get("hostDisk") instanceof Map<?, ?> hostDisk
          && !Boolean.TRUE.equals(hostDisk.get("shared"))) {
        return condition(KubeVirt.LIVE_MIGRATABLE, false, KubeVirt.DISKS_NOT_LIVE_MIGRATABLE,
            "cannot migrate VMI with non-shared HostDisk");
      }
    }
    for (String claim : LauncherPods.claimNames(vmi)) {
      PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(vmi.namespace()).withName(claim).get();
      if (pvc == null) {
        return condition(KubeVirt.LIVE_MIGRATABLE, false, KubeVirt.DISKS_NOT_LIVE_MIGRATABLE,
            "cannot migrate VMI: Unable to determine if PVC " + claim + " is shared" + SHARED_REQUIRED);
      }
      List<String> modes = pvc.getSpec() == null ? null : pvc.getSpec().getAccessModes();
      if (modes == null || !modes.contains("ReadWriteMany")) {
        return condition(KubeVirt.LIVE_MIGRATABLE, false, KubeVirt.DISKS_NOT_LIVE_MIGRATABLE,
            "cannot migrate VMI: PVC " + claim + " is not shared" + SHARED_REQUIRED);
      }
    }
    return condition(KubeVirt.LIVE_MIGRATABLE, true, null, null);
  }

  private static List<Object> conditions(Vmi vmi, Map<String, Object> migratable, boolean ready) {
    List<Object> out = new ArrayList<>();
    for (Object c : vmi.conditions()) {
      if (c instanceof Map<?, ?> m && !KubeVirt.LIVE_MIGRATABLE.equals(m.get("type")) && !"Ready".equals(m.get("type"))) {
        out.add(c);
      }
    }
    out.addAll(readyCondition(ready, vmi));
    out.add(keepTransitionTime(vmi, migratable));
    return out;
  }

  private static List<Object> readyCondition(boolean ready, Vmi vmi) {
    Map<String, Object> condition = condition("Ready", ready, ready ? null : "GuestNotRunning", null);
    return List.of(keepTransitionTime(vmi, condition));
  }

  private static Map<String, Object> keepTransitionTime(Vmi vmi, Map<String, Object> condition) {
    Map<String, Object> existing = vmi.condition(String.valueOf(condition.get("type")));
    if (existing != null
        && Objects.equals(existing.get("status"), condition.get("status"))
        && existing.get("lastTransitionTime") != null) {
      condition.put("lastTransitionTime", existing.get("lastTransitionTime"));
    }
    return condition;
  }

  private static Map<String, Object> condition(String type, boolean status, String reason, String message) {
    Map<String, Object> condition = new LinkedHashMap<>();
    condition.put("type", type);
    condition.put("status", status ? "True" : "False");
    if (reason != null) {
      condition.put("reason", reason);
    }
    if (message != null) {
      condition.put("message", message);
    }
    condition.put("lastProbeTime", null);
    condition.put("lastTransitionTime", KubeVirt.now());
    return condition;
  }

  /** Conditions compared without their timestamps, so an unchanged state writes nothing. */
  private static boolean sameConditions(List<Object> a, List<Object> b) {
    return strip(a).equals(strip(b));
  }

  private static Set<Map<Object, Object>> strip(List<Object> conditions) {
    return conditions.stream()
        .filter(c -> c instanceof Map<?, ?>)
        .map(c -> {
          Map<Object, Object> copy = new HashMap<>((Map<?, ?>) c);
          copy.remove("lastTransitionTime");
          copy.remove("lastProbeTime");
          copy.values().removeIf(Objects::isNull);
          return copy;
        })
        .collect(Collectors.toSet());
  }

  private void delete(Pod pod) {
    if (pod.getMetadata().getDeletionTimestamp() == null) {
      KubeVirt.deleteQuietly(
          client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()));
    }
  }
}
