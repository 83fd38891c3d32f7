package dev.runbook.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What {@code kubectl} shows of one node: enough to tell a cordoned, drained or untouched node apart. */
record NodeView(String name, boolean unschedulable, List<String> taints, Map<String, String> annotations, List<PodOnNode> pods) {

  record PodOnNode(String namespace, String name, String uid, String ownerKind, boolean terminating) {
    String ref() {
      return namespace + "/" + name;
    }
  }

  static NodeView of(E2eStack stack, String node) {
    return from(stack.kubectlJson("get", "node", node), stack.kubectlJson("get", "pods", "-A", "--field-selector", "spec.nodeName=" + node));
  }

  /** Every node, from one list of nodes and one list of pods. */
  static List<NodeView> all(E2eStack stack) {
    JsonNode pods = stack.kubectlJson("get", "pods", "-A");
    List<NodeView> nodes = new ArrayList<>();
    for (JsonNode n : stack.kubectlJson("get", "nodes").path("items")) {
      nodes.add(from(n, pods));
    }
    return nodes;
  }

  private static NodeView from(JsonNode n, JsonNode podList) {
    String node = n.path("metadata").path("name").asText();
    List<String> taints = new ArrayList<>();
    n.path("spec").path("taints").forEach(t -> taints.add(t.path("key").asText() + ":" + t.path("effect").asText()));
    Map<String, String> annotations = new TreeMap<>();
    n.path("metadata").path("annotations").properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
    List<PodOnNode> pods = new ArrayList<>();
    for (JsonNode p : podList.path("items")) {
      if (!node.equals(p.path("spec").path("nodeName").asText())) {
        continue;
      }
      JsonNode meta = p.path("metadata");
      pods.add(new PodOnNode(meta.path("namespace").asText(), meta.path("name").asText(), meta.path("uid").asText(),
          meta.path("ownerReferences").path(0).path("kind").asText("none"), meta.hasNonNull("deletionTimestamp")));
    }
    pods.sort(java.util.Comparator.comparing(PodOnNode::ref));
    return new NodeView(node, n.path("spec").path("unschedulable").asBoolean(false), taints, annotations, pods);
  }

  /** The annotations this project puts on a node in maintenance. */
  Map<String, String> runbookAnnotations() {
    Map<String, String> ours = new TreeMap<>();
    annotations.forEach((k, v) -> {
      if (k.startsWith("runbook.dev/")) {
        ours.put(k, v);
      }
    });
    return ours;
  }

  boolean holdsOnlyDaemonSetPods() {
    return pods.stream().allMatch(p -> p.ownerKind().equals("DaemonSet"));
  }

  long terminatingPods() {
    return pods.stream().filter(PodOnNode::terminating).count();
  }
}
