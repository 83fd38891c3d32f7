package dev.runbook.simulator;

/** Small scenario fragments for tests (plain manifests, as users write them). */
public final class Scenarios {
  private Scenarios() {}

  public static String node(String name) {
    return """
        ---
        apiVersion: v1
        kind: Node
        metadata: {name: %s}
        status:
          conditions: [{type: Ready, status: "True"}]
        """
        .formatted(name);
  }

  /** A Running, Ready pod on {@code node} with {@code labels} (a flow map such as {@code {app: db}}). */
  public static String runningPod(String namespace, String name, String node, String labels) {
    return """
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: %s, namespace: %s, labels: %s}
        spec:
          nodeName: %s
          containers: [{name: app, image: app}]
        status:
          phase: Running
          conditions: [{type: Ready, status: "True"}]
        """
        .formatted(name, namespace, labels, node);
  }

  public static String pdb(String namespace, String name, String matchLabels, int disruptionsAllowed) {
    return """
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: %s, namespace: %s}
        spec:
          maxUnavailable: 1
          selector: {matchLabels: %s}
        status: {observedGeneration: 1, disruptionsAllowed: %d, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3}
        """
        .formatted(name, namespace, matchLabels, disruptionsAllowed);
  }
}
