package dev.runbook.simulator.controllers;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Keeps {@code spec.replicas} active pods per ReplicaSet. As in the real controller, a terminating pod is not
 * active: the moment a pod is evicted its replacement is created, while the evicted one is still shutting down.
 */
public final class ReplicaSetController extends InformingController {
  private SharedIndexInformer<ReplicaSet> replicaSets;
  private SharedIndexInformer<Pod> pods;
  private final Expectations creations = new Expectations();
  /** Pods we asked to delete that the cache still shows active: not to be counted, nor deleted a second time. */
  private final Expectations deletions = new Expectations();

  @Override
  public String name() {
    return "replicaset-controller";
  }

  @Override
  public String process() {
    return KUBE_CONTROLLER_MANAGER;
  }

  @Override
  protected void startInformers() {
    replicaSets = inform("apps/v1/replicasets", c -> c.apps().replicaSets().inAnyNamespace(), rs -> loop.enqueue(Pods.key(rs)));
    pods = inform("pods", c -> c.pods().inAnyNamespace(), this::onPod);
  }

  private void onPod(Pod pod) {
    if (Pods.controllerOf(pod).isPresent()) {
      loop.enqueue(Pods.controllerKey(pod, "ReplicaSet"));
    } else if (replicaSets != null) {
      // an orphan: any ReplicaSet that selects it may adopt it
      replicaSets.getStore().list().stream()
          .filter(rs -> rs.getMetadata().getNamespace().equals(pod.getMetadata().getNamespace()))
          .filter(rs -> Placement.matches(rs.getSpec().getSelector(), pod.getMetadata().getLabels()))
          .forEach(rs -> loop.enqueue(Pods.key(rs)));
    }
  }

  @Override
  protected void reconcile(String key) {
    ReplicaSet rs = replicaSets.getStore().getByKey(key);
    if (rs == null) {
      creations.forgetOwner(key);
      deletions.forgetOwner(key);
      return;
    }
    if (Pods.isTerminating(rs)) {
      return; // its pods are garbage-collected by the API server
    }
    String namespace = rs.getMetadata().getNamespace();
    if (Adoption.adoptOrphans(client, rs, rs.getSpec().getSelector(), pods.getStore().list(), pod -> true)) {
      return; // the adopted pods come back through the watch
    }
    List<Pod> owned =
        pods.getStore().list().stream()
            .filter(p -> namespace.equals(p.getMetadata().getNamespace()) && Pods.isControlledBy(p, rs))
            .toList();
    Set<String> deleting =
        deletions.awaited(key, name -> {
          Pod pod = pods.getStore().getByKey(Pods.key(namespace, name));
          return pod == null || !Pods.isActive(pod);
        });
    List<Pod> active = owned.stream().filter(Pods::isActive).filter(p -> !deleting.contains(p.getMetadata().getName())).toList();
    Set<String> awaited = creations.awaited(key, name -> pods.getStore().getByKey(Pods.key(namespace, name)) != null);
    int wanted = rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
    int diff = wanted - active.size() - awaited.size();
    if (diff > 0) {
      for (int i = 0; i < diff; i++) {
        createPod(rs, key);
      }
    } else if (diff < 0 && awaited.isEmpty()) {
      active.stream().sorted(DELETION_ORDER).limit(-diff).forEach(pod -> deletePod(key, pod));
    }
    writeStatus(rs, active);
  }

  /** Which pods go first on scale-down: unscheduled, then pending, then not ready, then the youngest. */
  private static final Comparator<Pod> DELETION_ORDER =
      Comparator.comparing((Pod p) -> Pods.isBound(p))
          .thenComparing(p -> "Running".equals(Pods.phase(p)))
          .thenComparing(Pods::isReady)
          .thenComparing(
              (Pod p) -> Objects.toString(p.getMetadata().getCreationTimestamp(), ""), Comparator.reverseOrder());

  private void createPod(ReplicaSet rs, String key) {
    String name = Names.withRandomSuffix(rs.getMetadata().getName());
    Pod pod = Pods.fromTemplate(rs.getSpec().getTemplate(), rs, name, Map.of());
    creations.expect(key, name);
    try {
      client.pods().inNamespace(rs.getMetadata().getNamespace()).resource(pod).create();
    } catch (KubernetesClientException e) {
      creations.forget(key, name);
      throw e;
    }
  }

  private void deletePod(String key, Pod pod) {
    deletions.expect(key, pod.getMetadata().getName());
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
    } catch (KubernetesClientException e) {
      deletions.forget(key, pod.getMetadata().getName());
      throw e;
    }
  }

  private void writeStatus(ReplicaSet rs, List<Pod> active) {
    long ready = active.stream().filter(Pods::isReady).count();
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("replicas", active.size());
    status.put("fullyLabeledReplicas", active.size());
    status.put("readyReplicas", (int) ready);
    status.put("availableReplicas", (int) ready);
    status.put("observedGeneration", rs.getMetadata().getGeneration());
    WorkloadStatus.updateIfChanged(client, rs, status);
  }
}
