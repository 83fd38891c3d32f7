package dev.runbook.simulator.kubevirt;

import dev.runbook.simulator.SimAnnotations;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * virt-controller's migration controller with virt-handler's part of a live migration: drives each
 * VirtualMachineInstanceMigration through Pending → Scheduling → Scheduled → PreparingTarget → TargetReady →
 * Running → Succeeded (or Failed).
 *
 * <ul>
 *   <li>Pending until a slot is free: at most parallelMigrationsPerCluster migrations past Pending in the cluster
 *       and parallelOutboundMigrationsPerNode off one source node.
 *   <li>Scheduling: a target virt-launcher pod is created, kept off the source node; the scheduler places it and
 *       the kubelet runs it. A target pod not running after {@link #TARGET_POD_TIMEOUT} fails the migration, as
 *       KubeVirt's unschedulable-pending timeout does.
 *   <li>Running lasts the VMI's {@code sim.runbook.dev/migration-seconds} (else the cluster default). Then the
 *       guest is on the target: VMI status.nodeName, status.migrationState (completed), evacuationNodeName cleared,
 *       and the source pod completes (Succeeded) and stays, Completed, like KubeVirt's. The first {@code sim.runbook.dev/migration-failures}
 *       migrations of a VMI fail instead: migrationState.failed, target pod deleted, VMI stays on the source;
 *       {@code sim.runbook.dev/migration-attempts} on the VMI counts the attempts.
 *   <li>A migration deleted before it finishes is cancelled: its target pod goes, the VMI stays where it is and
 *       its migrationState records the abort.
 * </ul>
 */
public final class MigrationController extends LevelTriggeredController {
  /** KubeVirt fails a migration whose target pod stays unschedulable for 5 minutes. */
  public static final Duration TARGET_POD_TIMEOUT = Duration.ofMinutes(5);

  /** Migration uid → its Running phase has lasted the simulated migration time. */
  private final Set<String> due = ConcurrentHashMap.newKeySet();
  private final Set<String> timed = ConcurrentHashMap.newKeySet();
  /** Migration uid → wall-clock nanos when it entered Scheduling. */
  private final Map<String, Long> schedulingSince = new ConcurrentHashMap<>();
  /** Migration uid → name, to report a cancelled migration whose object is already gone. */
  private final Map<String, String> names = new ConcurrentHashMap<>();
  /** Phase transitions written, read only by the pass's own thread: did a step move its migration on. */
  private long phasesWritten;
  /** Cancelled migrations already reported. */
  private final Set<String> cancelled = ConcurrentHashMap.newKeySet();

  @Override
  public String name() {
    return "kubevirt-migration";
  }

  @Override
  protected void watch() {
    watchShared("kubevirt.io/v1/virtualmachineinstancemigrations", c -> KubeVirt.migrations(c).inAnyNamespace());
    watchShared("kubevirt.io/v1/virtualmachineinstances", c -> KubeVirt.vmis(c).inAnyNamespace());
    watchShared(
        "pods?labelSelector=" + KubeVirt.APP_LABEL + "=" + KubeVirt.VIRT_LAUNCHER,
        c -> c.pods().inAnyNamespace().withLabel(KubeVirt.APP_LABEL, KubeVirt.VIRT_LAUNCHER));
  }

  @Override
  protected void reconcile() {
    List<Vmim> migrations =
        KubeVirt.migrations(client).inAnyNamespace().list().getItems().stream()
            .map(Vmim::new)
            .sorted(Comparator.comparing((Vmim m) -> String.valueOf(m.resource.getMetadata().getCreationTimestamp()))
                .thenComparing(Vmim::name))
            .toList();
    migrations.forEach(m -> names.put(m.uid(), m.name()));
    cleanUpCancelled(migrations);

    Map<String, Integer> outbound = new HashMap<>();
    int active = 0;
    for (Vmim m : migrations) {
      if (m.active()) {
        active++;
        if (m.sourceNode() != null) {
          outbound.merge(m.sourceNode(), 1, Integer::sum);
        }
      }
    }
    for (Vmim listed : migrations) {
      Vmim m = listed;
      if (m.isFinal()) {
        continue;
      }
      try {
        if (m.deleting()) {
          cancel(m.namespace(), m.name(), m.uid(), m.vmiName(), m.targetPod());
          continue;
        }
        if (m.phase().isEmpty()) {
          // A new migration goes Pending and, with a free slot, on to Scheduling in the same pass.
          step(m);
          m = reread(m);
          if (m == null || !KubeVirt.PENDING.equals(m.phase())) {
            continue;
          }
        }
        if (KubeVirt.PENDING.equals(m.phase())) {
          int cluster = context.settings().parallelMigrationsPerCluster();
          int perNode = context.settings().parallelOutboundMigrationsPerNode();
          Vmi vmi = vmi(m);
          String source = vmi == null ? null : vmi.nodeName();
          if (active >= cluster || (source != null && outbound.getOrDefault(source, 0) >= perNode)) {
            continue;
          }
          if (startTarget(m, vmi)) {
            active++;
            outbound.merge(source, 1, Integer::sum);
          }
        } else {
          advance(m);
        }
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404 && e.getCode() != 409) {
          throw e;
        }
        trigger();
      }
    }
  }

  /**
   * Steps {@code m} for as long as each step moves it on. Phases that wait for nothing (Scheduled, PreparingTarget
   * with the target ready, TargetReady) follow each other at once, as virt-controller and virt-handler, each woken
   * by the other's write, move them within milliseconds; one pass per phase instead queued every phase behind a
   * fresh list of all migrations (about 0.1 s each on a busy 2-core machine, 0.3 s per migration wave in
   * bench/run). Every phase is still written, with its own transition timestamp.
   */
  private void advance(Vmim m) {
    Vmim current = m;
    while (current != null && !current.isFinal() && !current.deleting()) {
      String before = current.phase();
      long writtenBefore = phasesWritten;
      step(current);
      if (phasesWritten == writtenBefore) {
        return; // waiting for something: the target pod, the migration time
      }
      Vmim after = reread(current);
      if (after == null || after.phase().equals(before)) {
        return;
      }
      current = after;
    }
  }

  /** The migration as stored now; null once it is gone or replaced by another of the same name. */
  private Vmim reread(Vmim m) {
    GenericKubernetesResource found = resource(m).get();
    return found == null || !m.uid().equals(found.getMetadata().getUid()) ? null : new Vmim(found);
  }

  private void step(Vmim m) {
    Vmi vmi = vmi(m);
    if (vmi == null || vmi.isFinal() || vmi.deleting()) {
      fail(m, vmi, "VMI is not running any more");
      return;
    }
    switch (m.phase()) {
      case "" -> {
        // KubeVirt's mutating webhook labels a migration with its VMI; one created here without it gets it now.
        if (!m.vmiName().equals(m.labels().get(KubeVirt.MIGRATION_SELECTOR_LABEL))) {
          Map<String, Object> labels = Map.of(KubeVirt.MIGRATION_SELECTOR_LABEL, m.vmiName());
          KubeVirt.patch(resource(m), Map.of("metadata", Map.of("labels", labels)));
        }
        transition(m, KubeVirt.PENDING, null, vmi);
      }
      case KubeVirt.SCHEDULING -> {
        Pod target = targetPod(m);
        if (target == null || LauncherPods.isFinished(target)) {
          fail(m, vmi, "target pod is gone");
        } else if (target.getSpec().getNodeName() != null && LauncherPods.isRunning(target)) {
          schedulingSince.remove(m.uid());
          Map<String, Object> state = new LinkedHashMap<>(state(m));
          state.put("targetNode", target.getSpec().getNodeName());
          state.put("targetPod", target.getMetadata().getName());
          transition(m, KubeVirt.SCHEDULED, state, vmi);
        } else {
          long since = schedulingSince.computeIfAbsent(m.uid(), k -> System.nanoTime());
          if (System.nanoTime() - since >= context.clock().toReal(TARGET_POD_TIMEOUT).toNanos()) {
            fail(m, vmi, "target pod did not start within " + TARGET_POD_TIMEOUT.toMinutes() + " minutes");
          } else if (since == schedulingSince.get(m.uid()) && timed.add(m.uid() + "/scheduling")) {
            triggerAfter(TARGET_POD_TIMEOUT);
          }
        }
      }
      case KubeVirt.SCHEDULED -> {
        Map<String, Object> state = new LinkedHashMap<>(state(m));
        state.put("mode", "PreCopy");
        state.put("completed", false);
        state.put("failed", false);
        patchVmi(vmi, Map.of("migrationState", state));
        transition(m, KubeVirt.PREPARING_TARGET, state, vmi);
      }
      case KubeVirt.PREPARING_TARGET -> {
        Pod target = targetPod(m);
        if (target == null || LauncherPods.isFinished(target)) {
          fail(m, vmi, "target pod is gone");
        } else if (LauncherPods.isReady(target)) {
          transition(m, KubeVirt.TARGET_READY, null, vmi);
        }
      }
      case KubeVirt.TARGET_READY -> {
        Map<String, Object> state = new LinkedHashMap<>(state(m));
        state.put("startTimestamp", KubeVirt.now());
        patchVmi(vmi, Map.of("migrationState", state));
        transition(m, KubeVirt.RUNNING, state, vmi);
      }
      case KubeVirt.RUNNING -> running(m, vmi);
      default -> {
        // Pending is handled with the limits; final phases are skipped.
      }
    }
  }

  private void running(Vmim m, Vmi vmi) {
    Pod target = targetPod(m);
    if (target == null || LauncherPods.isFinished(target)) {
      fail(m, vmi, "target pod is gone");
      return;
    }
    if (!due.contains(m.uid())) {
      if (timed.add(m.uid())) {
        Duration length = KubeVirtObject.seconds(vmi.annotations(), SimAnnotations.MIGRATION_SECONDS,
            context.settings().migration());
        String uid = m.uid();
        context.clock().after(length, () -> {
          due.add(uid);
          trigger();
        });
      }
      return;
    }
    int attempts = KubeVirtObject.integer(vmi.annotations(), SimAnnotations.MIGRATION_ATTEMPTS, 0);
    int failures = KubeVirtObject.integer(vmi.annotations(), SimAnnotations.MIGRATION_FAILURES, 0);
    KubeVirt.patch(
        KubeVirt.vmis(client).inNamespace(vmi.namespace()).withName(vmi.name()),
        Map.of("metadata", Map.of("annotations", Map.of(SimAnnotations.MIGRATION_ATTEMPTS, String.valueOf(attempts + 1)))));
    if (attempts < failures) {
      fail(m, vmi, "simulated migration failure " + (attempts + 1) + " of " + failures);
    } else {
      succeed(m, vmi, target);
    }
  }

  /** Creates the target pod and moves the migration to Scheduling; false when the VMI cannot migrate now. */
  private boolean startTarget(Vmim m, Vmi vmi) {
    if (vmi == null || vmi.isFinal() || vmi.deleting()) {
      fail(m, vmi, "VMI is not running");
      return false;
    }
    if (!vmi.isRunning() || vmi.nodeName() == null) {
      return false;
    }
    if (!vmi.migratable()) {
      Map<String, Object> condition = vmi.condition(KubeVirt.LIVE_MIGRATABLE);
      String why = condition == null ? "" : ", Reason: " + condition.get("reason") + ", Message: " + condition.get("message");
      fail(m, vmi, "Cannot migrate VMI" + why);
      return false;
    }
    Map<String, Object> inFlight = vmi.migrationState();
    if (vmi.migrating() && inFlight != null && !m.uid().equals(inFlight.get("migrationUid"))) {
      return false;
    }
    Pod target = LauncherPods.target(vmi, m.uid(), vmi.nodeName());
    client.resource(target).create();
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("sourceNode", vmi.nodeName());
    state.put("targetPod", target.getMetadata().getName());
    state.put("migrationUid", m.uid());
    state.put("sourcePod", activeSourcePod(vmi));
    schedulingSince.put(m.uid(), System.nanoTime());
    transition(m, KubeVirt.SCHEDULING, state, vmi);
    return true;
  }

  private void succeed(Vmim m, Vmi vmi, Pod target) {
    String targetNode = target.getSpec().getNodeName();
    Map<String, Object> state = new LinkedHashMap<>(state(m));
    state.put("targetNode", targetNode);
    state.put("endTimestamp", KubeVirt.now());
    state.put("completed", true);
    state.put("failed", false);
    Map<String, Object> status = new HashMap<>();
    status.put("nodeName", targetNode);
    status.put("migrationState", state);
    // JSON merge patch: null removes the field, as KubeVirt leaves it unset after the guest moved.
    status.put("evacuationNodeName", null);
    patchVmi(vmi, status);
    context.score().vmFate(vmi.namespace(), vmi.vmName(), "migrated to " + targetNode);
    KubeVirt.patch(
        KubeVirt.vmis(client).inNamespace(vmi.namespace()).withName(vmi.name()),
        Map.of("metadata", Map.of("labels", Map.of(KubeVirt.NODE_NAME_LABEL, targetNode))));
    transition(m, KubeVirt.SUCCEEDED, state, vmi);
    finishSourcePods(vmi, target);
    forget(m.uid());
  }

  /**
   * The guest left the source: its launcher exits and the pod stays Completed (Succeeded), as on a real cluster,
   * where nothing deletes it until its VMI goes. A drain still on the node evicts it then, which a finished pod
   * allows at once.
   */
  private void finishSourcePods(Vmi vmi, Pod target) {
    for (Pod pod : pods(vmi)) {
      if (pod.getMetadata().getUid().equals(target.getMetadata().getUid()) || LauncherPods.isFinished(pod)) {
        continue;
      }
      var resource = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName());
      try {
        resource.status().patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("status", completed(pod))));
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) {
          throw e;
        }
      }
    }
  }

  /** The status the kubelet reports for a pod whose containers all exited 0. */
  private static Map<String, Object> completed(Pod pod) {
    String now = KubeVirt.now();
    List<Map<String, Object>> conditions = new ArrayList<>();
    if (pod.getStatus() != null && pod.getStatus().getConditions() != null) {
      for (PodCondition c : pod.getStatus().getConditions()) {
        Map<String, Object> condition = new LinkedHashMap<>();
        condition.put("type", c.getType());
        boolean down = "Ready".equals(c.getType()) || "ContainersReady".equals(c.getType());
        condition.put("status", down ? "False" : c.getStatus());
        if (down) {
          condition.put("reason", "PodCompleted");
          condition.put("lastTransitionTime", now);
        } else if (c.getLastTransitionTime() != null) {
          condition.put("lastTransitionTime", c.getLastTransitionTime());
        }
        conditions.add(condition);
      }
    }
    List<Map<String, Object>> containers = new ArrayList<>();
    for (Container c : pod.getSpec().getContainers() == null ? List.<Container>of() : pod.getSpec().getContainers()) {
      Map<String, Object> status = new LinkedHashMap<>();
      status.put("name", c.getName());
      status.put("image", c.getImage() == null ? "" : c.getImage());
      status.put("imageID", c.getImage() == null ? "" : c.getImage());
      status.put("ready", false);
      status.put("started", false);
      status.put("restartCount", 0);
      status.put("state", Map.of("terminated", Map.of("exitCode", 0, "reason", "Completed", "finishedAt", now)));
      containers.add(status);
    }
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", KubeVirt.SUCCEEDED);
    status.put("conditions", conditions);
    status.put("containerStatuses", containers);
    return status;
  }

  private void fail(Vmim m, Vmi vmi, String reason) {
    Map<String, Object> state = new LinkedHashMap<>(state(m));
    deleteTargetPod(m.namespace(), m.targetPod(), m.uid(), vmi);
    if (vmi != null && !vmi.isFinal() && m.uid().equals(vmi.string("status", "migrationState", "migrationUid"))) {
      state.put("endTimestamp", KubeVirt.now());
      state.put("completed", true);
      state.put("failed", true);
      state.put("failureReason", reason);
      patchVmi(vmi, Map.of("migrationState", state));
    } else {
      state.put("failed", true);
      state.put("failureReason", reason);
    }
    transition(m, KubeVirt.FAILED, state, vmi);
    forget(m.uid());
  }

  /**
   * A migration deleted before it finished (or still terminating): the target pod goes, and the VMI stays on its
   * source with the abort recorded.
   */
  private void cancel(String namespace, String name, String uid, String vmiName, String targetPodName) {
    GenericKubernetesResource found =
        vmiName == null ? null : KubeVirt.vmis(client).inNamespace(namespace).withName(vmiName).get();
    Vmi vmi = found == null ? null : new Vmi(found);
    deleteTargetPod(namespace, targetPodName, uid, vmi);
    if (vmi != null && uid.equals(vmi.string("status", "migrationState", "migrationUid")) && vmi.migrating()) {
      Map<String, Object> state = new LinkedHashMap<>(vmi.migrationState());
      state.put("abortRequested", true);
      state.put("abortStatus", "Succeeded");
      state.put("endTimestamp", KubeVirt.now());
      state.put("completed", true);
      state.put("failed", true);
      patchVmi(vmi, Map.of("migrationState", state));
    }
    if (cancelled.add(uid)) {
      String source = vmi == null ? null : vmi.nodeName();
      context.score().migration(namespace, vmiName, name, "Cancelled", source, null);
    }
    forget(uid);
  }

  /** Target pods whose migration object vanished before finishing: the migration was cancelled. */
  private void cleanUpCancelled(List<Vmim> migrations) {
    Set<String> known = migrations.stream().map(Vmim::uid).collect(Collectors.toSet());
    List<Pod> pods =
        client.pods().inAnyNamespace().withLabel(KubeVirt.MIGRATION_JOB_UID_LABEL).list().getItems();
    for (Pod pod : pods) {
      String job = LauncherPods.migrationJob(pod);
      if (job == null || known.contains(job) || pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      String vmiName = LauncherPods.domain(pod);
      GenericKubernetesResource found =
          vmiName == null ? null : KubeVirt.vmis(client).inNamespace(pod.getMetadata().getNamespace()).withName(vmiName).get();
      Vmi vmi = found == null ? null : new Vmi(found);
      boolean carriesGuest = vmi != null && Objects.equals(vmi.nodeName(), pod.getSpec().getNodeName())
          && !(vmi.migrating() && job.equals(vmi.string("status", "migrationState", "migrationUid")));
      if (!carriesGuest) {
        cancel(pod.getMetadata().getNamespace(), names.getOrDefault(job, job), job, vmiName,
            pod.getMetadata().getName());
      }
    }
  }

  private void deleteTargetPod(String namespace, String podName, String migrationUid, Vmi vmi) {
    if (podName == null) {
      return;
    }
    Pod pod = client.pods().inNamespace(namespace).withName(podName).get();
    if (pod == null || !migrationUid.equals(LauncherPods.migrationJob(pod))) {
      return;
    }
    if (vmi != null && Objects.equals(vmi.nodeName(), pod.getSpec().getNodeName()) && vmi.isRunning()
        && !(vmi.migrating() && migrationUid.equals(vmi.string("status", "migrationState", "migrationUid")))) {
      // After handover the target pod runs the guest: never remove it.
      return;
    }
    KubeVirt.deleteQuietly(client.pods().inNamespace(namespace).withName(podName));
  }

  private void transition(Vmim m, String phase, Map<String, Object> state, Vmi vmi) {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", phase);
    List<Object> transitions = new ArrayList<>(m.list("status", "phaseTransitionTimestamps"));
    transitions.add(Map.of("phase", phase, "phaseTransitionTimestamp", KubeVirt.now()));
    status.put("phaseTransitionTimestamps", transitions);
    if (state != null) {
      status.put("migrationState", state);
    }
    if (KubeVirt.patchStatus(resource(m), m.resource, status)) {
      phasesWritten++;
      Object target = state == null ? m.targetNode() : state.getOrDefault("targetNode", m.targetNode());
      Object source = state == null ? m.sourceNode() : state.getOrDefault("sourceNode", m.sourceNode());
      context.score().migration(m.namespace(), m.vmiName(), m.name(), phase,
          source == null ? (vmi == null ? null : vmi.nodeName()) : source.toString(),
          target == null ? null : target.toString());
      trigger();
    }
  }

  private Map<String, Object> state(Vmim m) {
    Map<String, Object> state = m.map("status", "migrationState");
    return state == null ? Map.of() : state;
  }

  private String activeSourcePod(Vmi vmi) {
    return pods(vmi).stream()
        .filter(p -> Objects.equals(p.getSpec().getNodeName(), vmi.nodeName()) && !LauncherPods.isFinished(p))
        .map(p -> p.getMetadata().getName())
        .findFirst()
        .orElse("");
  }

  private List<Pod> pods(Vmi vmi) {
    return client.pods().inNamespace(vmi.namespace()).withLabel(KubeVirt.CREATED_BY_LABEL, vmi.uid()).list().getItems();
  }

  private Pod targetPod(Vmim m) {
    String name = m.targetPod();
    return name == null ? null : client.pods().inNamespace(m.namespace()).withName(name).get();
  }

  private Vmi vmi(Vmim m) {
    if (m.vmiName() == null) {
      return null;
    }
    GenericKubernetesResource found = KubeVirt.vmis(client).inNamespace(m.namespace()).withName(m.vmiName()).get();
    return found == null ? null : new Vmi(found);
  }

  private void patchVmi(Vmi vmi, Map<String, Object> status) {
    KubeVirt.patchStatus(KubeVirt.vmis(client).inNamespace(vmi.namespace()).withName(vmi.name()), vmi.resource, status);
  }

  private Resource<GenericKubernetesResource> resource(Vmim m) {
    return KubeVirt.migrations(client).inNamespace(m.namespace()).withName(m.name());
  }

  private void forget(String uid) {
    due.remove(uid);
    timed.remove(uid);
    timed.remove(uid + "/scheduling");
    schedulingSince.remove(uid);
  }
}
