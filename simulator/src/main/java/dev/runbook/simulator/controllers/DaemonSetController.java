package dev.runbook.simulator.controllers;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One pod per eligible node, as the real DaemonSet controller decides it (NodeShouldRunDaemonPod): a node is
 * eligible when it matches the template's nodeSelector and required node affinity and its NoSchedule/NoExecute
 * taints are tolerated by the template plus the tolerations every DaemonSet pod gets. The default tolerations
 * include {@code node.kubernetes.io/unschedulable:NoSchedule}, so a cordoned node keeps its DaemonSet pods. A
 * taint such as {@code medik8s.io/drain:NoSchedule} stops NEW pods only: an existing pod is removed only for an
 * untolerated NoExecute taint. Pods are bound to their node at creation and carry the node affinity the real
 * controller sets.
 */
public final class DaemonSetController extends InformingController {
  private static final List<String> SCHEDULING_EFFECTS = List.of("NoSchedule", "NoExecute");
  private static final List<String> EVICTING_EFFECTS = List.of("NoExecute");

  private SharedIndexInformer<DaemonSet> daemonSets;
  private SharedIndexInformer<Pod> pods;
  private SharedIndexInformer<Node> nodes;
  private final Expectations creations = new Expectations();

  @Override
  public String name() {
    return "daemonset-controller";
  }

  @Override
  public String process() {
    return KUBE_CONTROLLER_MANAGER;
  }

  @Override
  protected void startInformers() {
    daemonSets = inform("apps/v1/daemonsets", c -> c.apps().daemonSets().inAnyNamespace(), ds -> loop.enqueue(Pods.key(ds)));
    pods = inform("pods", c -> c.pods().inAnyNamespace(), this::onPod);
    nodes = inform("nodes", c -> c.nodes(), node -> requeueAll());
  }

  private void requeueAll() {
    if (daemonSets != null) {
      daemonSets.getStore().list().forEach(ds -> loop.enqueue(Pods.key(ds)));
    }
  }

  private void onPod(Pod pod) {
    if (Pods.controllerOf(pod).isPresent()) {
      loop.enqueue(Pods.controllerKey(pod, "DaemonSet"));
    } else if (daemonSets != null) {
      daemonSets.getStore().list().stream()
          .filter(ds -> ds.getMetadata().getNamespace().equals(pod.getMetadata().getNamespace()))
          .filter(ds -> Placement.matches(ds.getSpec().getSelector(), pod.getMetadata().getLabels()))
          .forEach(ds -> loop.enqueue(Pods.key(ds)));
    }
  }

  /** The tolerations the DaemonSet controller adds to every daemon pod (AddOrUpdateDaemonPodTolerations). */
  static List<Toleration> withDefaultTolerations(PodSpec spec) {
    List<Toleration> tolerations = new ArrayList<>(spec.getTolerations() == null ? List.of() : spec.getTolerations());
    addIfAbsent(tolerations, "node.kubernetes.io/not-ready", "NoExecute");
    addIfAbsent(tolerations, "node.kubernetes.io/unreachable", "NoExecute");
    addIfAbsent(tolerations, "node.kubernetes.io/disk-pressure", "NoSchedule");
    addIfAbsent(tolerations, "node.kubernetes.io/memory-pressure", "NoSchedule");
    addIfAbsent(tolerations, "node.kubernetes.io/pid-pressure", "NoSchedule");
    addIfAbsent(tolerations, Placement.UNSCHEDULABLE_TAINT, "NoSchedule");
    if (Boolean.TRUE.equals(spec.getHostNetwork())) {
      addIfAbsent(tolerations, "node.kubernetes.io/network-unavailable", "NoSchedule");
    }
    return tolerations;
  }

  private static void addIfAbsent(List<Toleration> tolerations, String key, String effect) {
    boolean present =
        tolerations.stream().anyMatch(t -> key.equals(t.getKey()) && effect.equals(t.getEffect()) && "Exists".equals(t.getOperator()));
    if (!present) {
      tolerations.add(new TolerationBuilder().withKey(key).withOperator("Exists").withEffect(effect).build());
    }
  }

  @Override
  protected void reconcile(String key) {
    DaemonSet ds = daemonSets.getStore().getByKey(key);
    if (ds == null) {
      creations.forgetOwner(key);
      return;
    }
    if (Pods.isTerminating(ds)) {
      return;
    }
    String namespace = ds.getMetadata().getNamespace();
    PodSpec template = ds.getSpec().getTemplate().getSpec();
    List<Toleration> tolerations = withDefaultTolerations(template);
    Set<String> awaited =
        creations.awaited(
            key, e -> pods.getStore().getByKey(Pods.key(namespace, e.substring(e.indexOf('|') + 1))) != null);
    if (Adoption.adoptOrphans(client, ds, ds.getSpec().getSelector(), pods.getStore().list(), Pods::isBound)) {
      return;
    }
    List<Pod> owned =
        pods.getStore().list().stream()
            .filter(p -> namespace.equals(p.getMetadata().getNamespace()) && Pods.isControlledBy(p, ds))
            .toList();

    int desired = 0;
    int current = 0;
    int ready = 0;
    int misscheduled = 0;
    for (Node node : nodes.getStore().list()) {
      String nodeName = node.getMetadata().getName();
      boolean fits = Placement.matchesNodeSelectorAndAffinity(template, node);
      boolean shouldRun = fits && Placement.untoleratedTaint(tolerations, node, SCHEDULING_EFFECTS).isEmpty();
      boolean shouldContinueRunning = fits && Placement.untoleratedTaint(tolerations, node, EVICTING_EFFECTS).isEmpty();
      List<Pod> onNode = owned.stream().filter(p -> nodeName.equals(p.getSpec().getNodeName())).toList();
      List<Pod> running = onNode.stream().filter(Pods::isActive).sorted(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp())).toList();
      boolean awaitedHere = awaited.stream().anyMatch(n -> n.startsWith(creationPrefix(ds, nodeName)));

      if (!shouldContinueRunning) {
        running.forEach(this::deletePod);
      } else {
        onNode.stream().filter(p -> "Failed".equals(Pods.phase(p)) && !Pods.isTerminating(p)).forEach(this::deletePod);
        running.stream().skip(1).forEach(this::deletePod); // at most one daemon pod per node
        boolean replacing = onNode.stream().anyMatch(Pods::isTerminating);
        if (shouldRun && running.isEmpty() && !replacing && !awaitedHere) {
          createPod(ds, key, node);
        }
      }
      if (shouldRun) {
        desired++;
        if (!running.isEmpty()) {
          current++;
          if (Pods.isReady(running.get(0))) {
            ready++;
          }
        }
      } else if (!running.isEmpty()) {
        misscheduled++;
      }
    }
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("observedGeneration", ds.getMetadata().getGeneration());
    status.put("desiredNumberScheduled", desired);
    status.put("currentNumberScheduled", current);
    status.put("updatedNumberScheduled", current);
    status.put("numberMisscheduled", misscheduled);
    status.put("numberReady", ready);
    status.put("numberAvailable", ready);
    status.put("numberUnavailable", Math.max(0, desired - ready));
    WorkloadStatus.updateIfChanged(client, ds, status);
  }

  /** Awaited creations are keyed by this prefix so that a node with a pod on its way gets no second one. */
  private static String creationPrefix(DaemonSet ds, String nodeName) {
    return nodeName + "|";
  }

  private void createPod(DaemonSet ds, String key, Node node) {
    String nodeName = node.getMetadata().getName();
    String podName = Names.withRandomSuffix(ds.getMetadata().getName());
    Pod pod = Pods.fromTemplate(ds.getSpec().getTemplate(), ds, podName, Map.of(REVISION_LABEL, revision(ds)));
    PodSpec spec = pod.getSpec();
    spec.setTolerations(withDefaultTolerations(spec));
    spec.setAffinity(
        new AffinityBuilder(spec.getAffinity() == null ? new io.fabric8.kubernetes.api.model.Affinity() : spec.getAffinity())
            .withNewNodeAffinity()
            .withNewRequiredDuringSchedulingIgnoredDuringExecution()
            .withNodeSelectorTerms(
                new NodeSelectorTermBuilder()
                    .addNewMatchField().withKey("metadata.name").withOperator("In").withValues(nodeName).endMatchField()
                    .build())
            .endRequiredDuringSchedulingIgnoredDuringExecution()
            .endNodeAffinity()
            .build());
    spec.setNodeName(nodeName);
    String expectation = creationPrefix(ds, nodeName) + podName;
    creations.expect(key, expectation);
    try {
      client.pods().inNamespace(ds.getMetadata().getNamespace()).resource(pod).create();
    } catch (KubernetesClientException e) {
      creations.forget(key, expectation);
      throw e;
    }
  }

  static final String REVISION_LABEL = "controller-revision-hash";

  private static String revision(DaemonSet ds) {
    return Names.templateHash(ds.getSpec().getTemplate());
  }

  private void deletePod(Pod pod) {
    client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
  }
}
