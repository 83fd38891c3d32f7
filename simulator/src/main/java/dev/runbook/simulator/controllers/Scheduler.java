package dev.runbook.simulator.controllers;

import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The default scheduler, reduced to what a drain exercises: filter nodes (cordon, NoSchedule/NoExecute taints,
 * nodeSelector, required node affinity, max pods), then spread by picking the node with the fewest pods (ties
 * broken by name, so runs are reproducible). A pod no node admits stays Pending with {@code PodScheduled=False},
 * reason {@code Unschedulable}, and is retried whenever a node or a bound pod changes.
 */
public final class Scheduler extends InformingController {
  private static final List<String> SCHEDULING_EFFECTS = List.of("NoSchedule", "NoExecute");

  private SharedIndexInformer<Pod> pods;
  private SharedIndexInformer<Node> nodes;
  /** Pods bound by us that the cache does not show bound yet (the real scheduler's "assumed" pods), uid to node. */
  private final Map<String, String> assumed = new ConcurrentHashMap<>();

  @Override
  public String name() {
    return "scheduler";
  }

  @Override
  protected void startInformers() {
    pods = inform("pods", c -> c.pods().inAnyNamespace(), this::onPod, this::onPodDeleted);
    nodes = inform("nodes", c -> c.nodes(), node -> requeueUnscheduled());
  }

  private void onPod(Pod pod) {
    if (Pods.isBound(pod)) {
      assumed.remove(pod.getMetadata().getUid());
    } else if (!Pods.isTerminating(pod)) {
      loop.enqueue(Pods.key(pod));
    }
  }

  private void onPodDeleted(Pod pod) {
    assumed.remove(pod.getMetadata().getUid());
    if (Pods.isBound(pod)) {
      requeueUnscheduled(); // a node may have room again
    }
  }

  private void requeueUnscheduled() {
    if (pods == null) {
      return;
    }
    for (Pod pod : pods.getStore().list()) {
      if (!Pods.isBound(pod) && !Pods.isTerminating(pod)) {
        loop.enqueue(Pods.key(pod));
      }
    }
  }

  @Override
  protected void reconcile(String key) {
    Pod pod = pods.getStore().getByKey(key);
    if (pod == null || Pods.isBound(pod) || Pods.isTerminating(pod) || Pods.isFinished(pod)) {
      return;
    }
    if (assumed.containsKey(pod.getMetadata().getUid())) {
      return; // bound already; waiting for the watch to show it
    }
    Map<String, Integer> podsPerNode = podsPerNode();
    Map<String, Integer> rejections = new TreeMap<>();
    Optional<Node> chosen =
        nodes.getStore().list().stream()
            .filter(node -> admits(node, pod, podsPerNode, rejections))
            .min(
                Comparator.comparingInt((Node n) -> podsPerNode.getOrDefault(n.getMetadata().getName(), 0))
                    .thenComparing(n -> n.getMetadata().getName()));
    if (chosen.isPresent()) {
      bind(pod, chosen.get().getMetadata().getName());
    } else {
      markUnschedulable(pod, unschedulableMessage(rejections));
    }
  }

  private Map<String, Integer> podsPerNode() {
    Map<String, Integer> counts = new HashMap<>();
    for (Pod p : pods.getStore().list()) {
      if (Pods.isBound(p) && !Pods.isFinished(p)) {
        counts.merge(p.getSpec().getNodeName(), 1, Integer::sum);
      }
    }
    assumed.forEach((uid, node) -> counts.merge(node, 1, Integer::sum));
    return counts;
  }

  private boolean admits(Node node, Pod pod, Map<String, Integer> podsPerNode, Map<String, Integer> rejections) {
    String reason = rejection(node, pod, podsPerNode);
    if (reason != null) {
      rejections.merge(reason, 1, Integer::sum);
      return false;
    }
    return true;
  }

  private String rejection(Node node, Pod pod, Map<String, Integer> podsPerNode) {
    if (!Placement.admitsDespiteCordon(pod.getSpec().getTolerations(), node)) {
      return "node(s) were unschedulable";
    }
    Optional<Taint> taint = Placement.untoleratedTaint(pod.getSpec().getTolerations(), node, SCHEDULING_EFFECTS);
    if (taint.isPresent()) {
      return "node(s) had untolerated taint " + Placement.describe(taint.get());
    }
    if (!Placement.matchesNodeSelectorAndAffinity(pod.getSpec(), node)) {
      return "node(s) didn't match Pod's node affinity/selector";
    }
    if (podsPerNode.getOrDefault(node.getMetadata().getName(), 0) >= Placement.maxPods(node)) {
      return "Too many pods";
    }
    return null;
  }

  private String unschedulableMessage(Map<String, Integer> rejections) {
    int total = nodes.getStore().list().size();
    List<String> parts = new ArrayList<>();
    rejections.forEach((reason, count) -> parts.add(count + " " + reason));
    return "0/" + total + " nodes are available" + (parts.isEmpty() ? "." : ": " + String.join(", ", parts) + ".");
  }

  /**
   * Binds by patching {@code spec.nodeName}, which the simulated API server accepts; a real API server refuses that
   * (422, nodeName is immutable through updates), and then the pod is bound through the Binding API instead.
   */
  private void bind(Pod pod, String nodeName) {
    String uid = pod.getMetadata().getUid();
    assumed.put(uid, nodeName);
    try {
      try {
        String patch =
            Serialization.asJson(
                Map.of(
                    "metadata", Map.of("resourceVersion", pod.getMetadata().getResourceVersion()),
                    "spec", Map.of("nodeName", nodeName)));
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
            .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 422 && e.getCode() != 403) {
          throw e;
        }
        Binding binding =
            new BindingBuilder()
                .withNewMetadata().withName(pod.getMetadata().getName()).withUid(uid).endMetadata()
                .withNewTarget().withApiVersion("v1").withKind("Node").withName(nodeName).endTarget()
                .build();
        client.bindings().inNamespace(pod.getMetadata().getNamespace()).resource(binding).create();
      }
    } catch (RuntimeException e) {
      assumed.remove(uid);
      throw e;
    }
  }

  private void markUnschedulable(Pod pod, String message) {
    Optional<PodCondition> current = Pods.condition(pod, "PodScheduled");
    if (current.isPresent()
        && "False".equals(current.get().getStatus())
        && "Unschedulable".equals(current.get().getReason())
        && message.equals(current.get().getMessage())) {
      return;
    }
    List<Map<String, Object>> conditions = PodStatuses.conditionsWith(pod, Map.of(
        "PodScheduled", PodStatuses.condition("PodScheduled", false, "Unschedulable", message)));
    PodStatuses.patchStatus(client, pod, Map.of("phase", "Pending", "conditions", conditions));
  }
}
