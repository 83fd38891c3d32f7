package dev.runbook.simulator.kubevirt;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Test-only stand-ins for the scheduler and the kubelet, which other parts of the simulator provide: binds each
 * unscheduled pod to the first schedulable node (by name) that its nodeSelector and required node affinity
 * allow, and makes bound pods Running and Ready at once. Polls, so that tests need nothing else to run.
 */
final class StandInNodeAgents implements AutoCloseable {
  private final KubernetesClient client;
  private final Thread thread;
  private volatile boolean running = true;

  StandInNodeAgents(KubernetesClient client) {
    this.client = client;
    this.thread = new Thread(this::loop, "test-node-agents");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (running) {
      try {
        tick();
        Thread.sleep(50);
      } catch (InterruptedException e) {
        return;
      } catch (KubernetesClientException e) {
        // An object changed or vanished under us; the next tick sees the new state.
      } catch (IllegalStateException e) {
        return; // the client was closed with the cluster
      }
    }
  }

  private void tick() {
    List<Node> nodes =
        client.nodes().list().getItems().stream()
            .filter(n -> n.getSpec() == null || !Boolean.TRUE.equals(n.getSpec().getUnschedulable()))
            .sorted(Comparator.comparing(n -> n.getMetadata().getName()))
            .toList();
    for (Pod pod : client.pods().inAnyNamespace().list().getItems()) {
      var resource = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName());
      if (pod.getSpec().getNodeName() == null) {
        nodes.stream()
            .filter(n -> fits(pod, n))
            .findFirst()
            .ifPresent(n ->
                resource.patch(
                    PatchContext.of(PatchType.JSON_MERGE),
                    "{\"spec\":{\"nodeName\":\"" + n.getMetadata().getName() + "\"}}"));
      } else if (pod.getStatus() == null || pod.getStatus().getPhase() == null
          || "Pending".equals(pod.getStatus().getPhase())) {
        resource.status().patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}");
      }
    }
  }

  private static boolean fits(Pod pod, Node node) {
    Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    Map<String, String> selector = pod.getSpec().getNodeSelector();
    if (selector != null && selector.entrySet().stream().anyMatch(e -> !e.getValue().equals(labels.get(e.getKey())))) {
      return false;
    }
    var affinity = pod.getSpec().getAffinity();
    if (affinity == null || affinity.getNodeAffinity() == null
        || affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
      return true;
    }
    List<NodeSelectorTerm> terms =
        affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
    return terms.stream().anyMatch(t ->
        t.getMatchExpressions().stream().allMatch(r -> matches(r, labels.get(r.getKey())))
            && t.getMatchFields().stream().allMatch(r -> matches(r, node.getMetadata().getName())));
  }

  private static boolean matches(NodeSelectorRequirement r, String value) {
    return switch (r.getOperator()) {
      case "In" -> value != null && r.getValues().contains(value);
      case "NotIn" -> value == null || !r.getValues().contains(value);
      case "Exists" -> value != null;
      case "DoesNotExist" -> value == null;
      default -> Objects.equals(value, r.getValues().isEmpty() ? null : r.getValues().get(0));
    };
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
