package dev.runbook.simulator.controllers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The disruption controller: for every PodDisruptionBudget it computes how many of its pods are healthy, how many
 * must stay healthy and so how many disruptions are allowed now. It reacts to every pod change at once, since
 * drains watch the PDB to evict the moment a disruption is allowed.
 *
 * <p>As in the real controller: a healthy pod is Ready and not terminating and not listed in {@code disruptedPods}
 * (evicted, awaiting its deletion); with {@code maxUnavailable} or a percentage {@code minAvailable}, the expected
 * pod count is the scale of the pods' controllers (so a missing replica counts against the budget); with an integer
 * {@code minAvailable} it is the number of matching pods. Pods without a scalable controller count for themselves.
 */
public final class DisruptionController extends InformingController {
  /**
   * How long an eviction recorded in {@code disruptedPods} keeps its pod out of the healthy count when the pod is
   * not seen going away. The real controller waits 2 minutes; the simulated API server deletes the evicted pod in
   * the same request, so the entry only has to outlive the watch delay. Wall-clock time: it covers an API race.
   */
  static final Duration DISRUPTED_POD_TIMEOUT = Duration.ofSeconds(2);

  private final Duration disruptedPodTimeout;

  public DisruptionController() {
    this(DISRUPTED_POD_TIMEOUT);
  }

  DisruptionController(Duration disruptedPodTimeout) {
    this.disruptedPodTimeout = disruptedPodTimeout;
  }

  private SharedIndexInformer<PodDisruptionBudget> budgets;
  private SharedIndexInformer<Pod> pods;
  private SharedIndexInformer<ReplicaSet> replicaSets;
  private SharedIndexInformer<Deployment> deployments;
  private SharedIndexInformer<StatefulSet> statefulSets;

  @Override
  public String name() {
    return "disruption-controller";
  }

  @Override
  public String process() {
    return KUBE_CONTROLLER_MANAGER;
  }

  @Override
  protected void startInformers() {
    budgets = inform("policy/v1/poddisruptionbudgets", c -> c.policy().v1().podDisruptionBudget().inAnyNamespace(), pdb -> loop.enqueue(Pods.key(pdb)));
    pods = inform("pods", c -> c.pods().inAnyNamespace(), this::requeueBudgetsOf);
    replicaSets = inform("apps/v1/replicasets", c -> c.apps().replicaSets().inAnyNamespace(), this::requeueNamespace);
    deployments = inform("apps/v1/deployments", c -> c.apps().deployments().inAnyNamespace(), this::requeueNamespace);
    statefulSets = inform("apps/v1/statefulsets", c -> c.apps().statefulSets().inAnyNamespace(), this::requeueNamespace);
  }

  private void requeueBudgetsOf(Pod pod) {
    if (budgets == null) {
      return;
    }
    for (PodDisruptionBudget pdb : budgets.getStore().list()) {
      if (pdb.getMetadata().getNamespace().equals(pod.getMetadata().getNamespace())
          && Placement.matches(pdb.getSpec().getSelector(), pod.getMetadata().getLabels())) {
        loop.enqueue(Pods.key(pdb));
      }
    }
  }

  /** A controller's scale changed: every budget in its namespace may expect a different number of pods. */
  private void requeueNamespace(HasMetadata workload) {
    if (budgets == null) {
      return;
    }
    for (PodDisruptionBudget pdb : budgets.getStore().list()) {
      if (pdb.getMetadata().getNamespace().equals(workload.getMetadata().getNamespace())) {
        loop.enqueue(Pods.key(pdb));
      }
    }
  }

  @Override
  protected void reconcile(String key) {
    PodDisruptionBudget pdb = budgets.getStore().getByKey(key);
    if (pdb == null || Pods.isTerminating(pdb)) {
      return;
    }
    String namespace = pdb.getMetadata().getNamespace();
    List<Pod> matching =
        pods.getStore().list().stream()
            .filter(p -> namespace.equals(p.getMetadata().getNamespace()))
            .filter(p -> Placement.matches(pdb.getSpec().getSelector(), p.getMetadata().getLabels()))
            .toList();
    Instant now = Instant.now();
    Map<String, String> disrupted = stillDisrupted(pdb, matching, now);

    int currentHealthy =
        (int) matching.stream()
            .filter(p -> !Pods.isTerminating(p) && Pods.isReady(p) && !disrupted.containsKey(p.getMetadata().getName()))
            .count();
    IntOrString minAvailable = pdb.getSpec().getMinAvailable();
    IntOrString maxUnavailable = pdb.getSpec().getMaxUnavailable();
    int expected;
    int desiredHealthy;
    if (maxUnavailable != null) {
      expected = expectedFromControllers(matching);
      desiredHealthy = Math.max(0, expected - scaled(maxUnavailable, expected));
    } else if (minAvailable != null && minAvailable.getStrVal() != null) {
      expected = expectedFromControllers(matching);
      desiredHealthy = scaled(minAvailable, expected);
    } else {
      expected = matching.size();
      desiredHealthy = minAvailable == null ? 0 : minAvailable.getIntVal();
    }
    int allowed = Math.max(0, currentHealthy - desiredHealthy);

    Map<String, Object> condition = new LinkedHashMap<>();
    condition.put("type", "DisruptionAllowed");
    condition.put("status", allowed > 0 ? "True" : "False");
    condition.put("reason", allowed > 0 ? "SufficientPods" : "InsufficientPods");
    condition.put("observedGeneration", pdb.getMetadata().getGeneration());
    condition.put("lastTransitionTime", "");
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("observedGeneration", pdb.getMetadata().getGeneration());
    status.put("disruptedPods", disrupted);
    status.put("disruptionsAllowed", allowed);
    status.put("currentHealthy", currentHealthy);
    status.put("desiredHealthy", desiredHealthy);
    status.put("expectedPods", expected);
    status.put("conditions", WorkloadStatus.conditions(pdb.getStatus(), List.of(condition)));
    writeStatus(pdb, status);
  }

  /**
   * The {@code disruptedPods} entries to keep: the pod still matches, is not yet terminating (once it is, it no
   * longer counts as healthy anyway) and the entry is recent. An entry kept is looked at again when it expires.
   */
  private Map<String, String> stillDisrupted(PodDisruptionBudget pdb, List<Pod> matching, Instant now) {
    Map<String, String> kept = new LinkedHashMap<>();
    if (pdb.getStatus() == null || pdb.getStatus().getDisruptedPods() == null) {
      return kept;
    }
    Map<String, Pod> byName = new HashMap<>();
    matching.forEach(p -> byName.put(p.getMetadata().getName(), p));
    pdb.getStatus().getDisruptedPods().forEach(
        (podName, since) -> {
          Pod pod = byName.get(podName);
          if (pod == null || Pods.isTerminating(pod)) {
            return;
          }
          Instant at = parse(since);
          Duration age = Duration.between(at, now);
          if (age.compareTo(disruptedPodTimeout) < 0) {
            kept.put(podName, since);
            loop.enqueueAfter(Pods.key(pdb), disruptedPodTimeout.minus(age).plusMillis(50));
          }
        });
    return kept;
  }

  private static Instant parse(String timestamp) {
    try {
      return java.time.OffsetDateTime.parse(timestamp).toInstant(); // RFC 3339: Z or an offset, optional fraction
    } catch (RuntimeException e) {
      return Instant.EPOCH; // unreadable: treat as expired rather than block the budget forever
    }
  }

  /** Sum of the scales of the matching pods' controllers; a pod without a known scalable controller counts as 1. */
  private int expectedFromControllers(List<Pod> matching) {
    Map<String, Integer> scales = new HashMap<>();
    int unmanaged = 0;
    for (Pod pod : matching) {
      Optional<Map.Entry<String, Integer>> scale = scaleOf(pod);
      if (scale.isPresent()) {
        scales.put(scale.get().getKey(), scale.get().getValue());
      } else {
        unmanaged++;
      }
    }
    return scales.values().stream().mapToInt(Integer::intValue).sum() + unmanaged;
  }

  private Optional<Map.Entry<String, Integer>> scaleOf(Pod pod) {
    Optional<OwnerReference> ref = Pods.controllerOf(pod);
    if (ref.isEmpty()) {
      return Optional.empty();
    }
    String namespace = pod.getMetadata().getNamespace();
    switch (ref.get().getKind()) {
      case "ReplicaSet": {
        ReplicaSet rs = replicaSets.getStore().getByKey(Pods.key(namespace, ref.get().getName()));
        if (rs == null || !rs.getMetadata().getUid().equals(ref.get().getUid())) {
          return Optional.empty();
        }
        Optional<OwnerReference> owner = Pods.controllerOf(rs).filter(o -> "Deployment".equals(o.getKind()));
        if (owner.isPresent()) {
          Deployment d = deployments.getStore().getByKey(Pods.key(namespace, owner.get().getName()));
          if (d != null && d.getMetadata().getUid().equals(owner.get().getUid())) {
            return Optional.of(Map.entry(d.getMetadata().getUid(), replicasOr1(d.getSpec().getReplicas())));
          }
        }
        return Optional.of(Map.entry(rs.getMetadata().getUid(), replicasOr1(rs.getSpec().getReplicas())));
      }
      case "StatefulSet": {
        StatefulSet sts = statefulSets.getStore().getByKey(Pods.key(namespace, ref.get().getName()));
        if (sts == null || !sts.getMetadata().getUid().equals(ref.get().getUid())) {
          return Optional.empty();
        }
        return Optional.of(Map.entry(sts.getMetadata().getUid(), replicasOr1(sts.getSpec().getReplicas())));
      }
      default:
        return Optional.empty();
    }
  }

  private static int replicasOr1(Integer replicas) {
    return replicas == null ? 1 : replicas;
  }

  /** intstr.GetScaledValueFromIntOrPercent with rounding up, as the disruption controller uses it. */
  static int scaled(IntOrString value, int total) {
    if (value.getStrVal() == null) {
      return value.getIntVal() == null ? 0 : value.getIntVal();
    }
    String s = value.getStrVal().trim();
    if (!s.endsWith("%")) {
      return Integer.parseInt(s);
    }
    int percent = Integer.parseInt(s.substring(0, s.length() - 1));
    return (int) Math.ceil(percent * total / 100.0);
  }

  /**
   * A full status update guarded by resourceVersion: the API server decrements {@code disruptionsAllowed} and adds
   * {@code disruptedPods} entries concurrently, and a stale write must not undo that (it gets 409 and the reconcile
   * runs again on fresh state). A merge patch could not remove map entries anyway.
   */
  @SuppressWarnings("unchecked")
  private void writeStatus(PodDisruptionBudget pdb, Map<String, Object> desired) {
    PodDisruptionBudgetStatus wanted = Serialization.unmarshal(Serialization.asJson(desired), PodDisruptionBudgetStatus.class);
    PodDisruptionBudgetStatus current = pdb.getStatus() == null ? new PodDisruptionBudgetStatus() : pdb.getStatus();
    Map<String, Object> currentJson = Serialization.unmarshal(Serialization.asJson(current), Map.class);
    Map<String, Object> wantedJson = Serialization.unmarshal(Serialization.asJson(wanted), Map.class);
    for (Map<String, Object> json : List.of(currentJson, wantedJson)) {
      if (json.get("disruptedPods") instanceof Map<?, ?> m && m.isEmpty()) {
        json.remove("disruptedPods");
      }
    }
    if (Objects.equals(currentJson, wantedJson)) {
      return;
    }
    PodDisruptionBudget updated = Serialization.clone(pdb);
    updated.setStatus(wanted);
    client.policy().v1().podDisruptionBudget().inNamespace(pdb.getMetadata().getNamespace()).resource(updated)
        .status()
        .update();
  }
}
