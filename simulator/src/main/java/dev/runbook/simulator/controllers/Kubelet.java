package dev.runbook.simulator.controllers;

import dev.runbook.simulator.SimAnnotations;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every node's kubelet in one controller. A pod bound to an existing node starts after its simulated startup time
 * and becomes Running and Ready (or stays not Ready under {@link SimAnnotations#NEVER_READY}); a Job's pod then
 * runs for {@link SimAnnotations#RUN_SECONDS} and Succeeds. A pod being deleted gracefully turns not Ready at once
 * and is removed (delete with grace 0) after its simulated termination time, capped by the grace period given.
 * Pods that are already Running in a scenario are adopted as they are.
 */
public final class Kubelet extends InformingController {
  private SharedIndexInformer<Pod> pods;
  private SharedIndexInformer<Node> nodes;
  /** Stages whose simulated time has passed, per pod uid ({@code uid:stage}); the next reconcile acts on them. */
  private final Set<String> due = ConcurrentHashMap.newKeySet();
  private final AtomicInteger addresses = new AtomicInteger();

  @Override
  public String name() {
    return "kubelet";
  }

  /**
   * Real kubelets run each pod in its own worker, on every node at once. With one reconcile thread for all of them,
   * a drain's 110 terminations queued behind each other and behind the replacements' startups: the node emptied
   * 9.5 s after the evictions at speed 4 on a busy 2-core machine, for a 0.25 s termination (bench/run). Per-pod
   * state here is in concurrent maps keyed by uid, and a pod's key is never reconciled twice at once.
   */
  @Override
  protected int reconcileWorkers() {
    return 8;
  }

  @Override
  protected void startInformers() {
    pods = inform("pods", c -> c.pods().inAnyNamespace(), pod -> loop.enqueue(Pods.key(pod)), this::forget);
    nodes = inform("nodes", c -> c.nodes(), this::requeuePodsOn);
  }

  private void forget(Pod pod) {
    String uid = pod.getMetadata().getUid();
    cancelTimers(uid + ":");
    due.removeIf(stage -> stage.startsWith(uid + ":"));
  }

  private void requeuePodsOn(Node node) {
    if (pods == null) {
      return;
    }
    for (Pod pod : pods.getStore().list()) {
      if (node.getMetadata().getName().equals(pod.getSpec().getNodeName())) {
        loop.enqueue(Pods.key(pod));
      }
    }
  }

  @Override
  protected void reconcile(String key) {
    Pod pod = pods.getStore().getByKey(key);
    if (pod == null) {
      return;
    }
    if (Pods.isTerminating(pod)) {
      terminate(pod);
    } else if (!Pods.isFinished(pod) && Pods.isBound(pod)) {
      Node node = nodes.getStore().getByKey(pod.getSpec().getNodeName());
      if (node == null) {
        return; // no kubelet runs there: the pod stays Pending, as on a real cluster
      }
      switch (Pods.phase(pod)) {
        case "Pending" -> start(pod, node);
        case "Running" -> run(pod);
        default -> {}
      }
    }
  }

  private void start(Pod pod, Node node) {
    String uid = pod.getMetadata().getUid();
    if (due.contains(uid + ":started")) {
      writeRunning(pod, node);
    } else {
      Duration startup = seconds(pod, SimAnnotations.STARTUP_SECONDS, context.settings().podStartup());
      scheduleOnce(uid + ":start", startup, () -> mark(pod, "started"));
    }
  }

  private void run(Pod pod) {
    if (Pods.controllerKey(pod, "Job") == null) {
      return;
    }
    String uid = pod.getMetadata().getUid();
    if (due.contains(uid + ":completed")) {
      writeSucceeded(pod);
    } else {
      Duration runTime = seconds(pod, SimAnnotations.RUN_SECONDS, Duration.ofSeconds(1));
      scheduleOnce(uid + ":run", runTime, () -> mark(pod, "completed"));
    }
  }

  private void terminate(Pod pod) {
    String uid = pod.getMetadata().getUid();
    cancelTimers(uid + ":start");
    cancelTimers(uid + ":run");
    if (Pods.isReady(pod) || Pods.condition(pod, "ContainersReady").map(c -> "True".equals(c.getStatus())).orElse(false)) {
      Map<String, Map<String, Object>> notReady = new LinkedHashMap<>();
      notReady.put("ContainersReady", PodStatuses.condition("ContainersReady", false, "ContainersNotReady", "containers are terminating"));
      notReady.put("Ready", PodStatuses.condition("Ready", false, "ContainersNotReady", "containers are terminating"));
      PodStatuses.patchStatus(client, pod, Map.of("conditions", PodStatuses.conditionsWith(pod, notReady)));
      // No return: the termination time runs from the deletion, as a kubelet kills the containers while it reports
      // them not ready. Waiting for this write to come back first added a watch round trip to every termination.
    }
    if (!Pods.isBound(pod)) {
      return; // never ran anywhere: the API server removes it
    }
    if (due.contains(uid + ":terminated")) {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
          .withGracePeriod(0).delete();
      return;
    }
    Duration termination = seconds(pod, SimAnnotations.TERMINATION_SECONDS, context.settings().podTermination());
    Long grace = pod.getMetadata().getDeletionGracePeriodSeconds();
    if (grace != null && Duration.ofSeconds(grace).compareTo(termination) < 0) {
      termination = Duration.ofSeconds(grace);
    }
    scheduleOnce(uid + ":terminate", termination, () -> mark(pod, "terminated"));
  }

  private void mark(Pod pod, String stage) {
    due.add(pod.getMetadata().getUid() + ":" + stage);
    loop.enqueue(Pods.key(pod));
  }

  private void writeRunning(Pod pod, Node node) {
    boolean ready = !isSet(pod, SimAnnotations.NEVER_READY);
    String reason = ready ? null : "ContainersNotReady";
    Map<String, Map<String, Object>> conditions = new LinkedHashMap<>();
    conditions.put("PodScheduled", PodStatuses.condition("PodScheduled", true, null, null));
    conditions.put("Initialized", PodStatuses.condition("Initialized", true, null, null));
    conditions.put("ContainersReady", PodStatuses.condition("ContainersReady", ready, reason, null));
    conditions.put("Ready", PodStatuses.condition("Ready", ready, reason, null));
    String startedAt = Pods.now();
    List<Map<String, Object>> containers = new ArrayList<>();
    for (Container c : containers(pod)) {
      Map<String, Object> status = containerStatus(pod, c);
      status.put("ready", ready);
      status.put("started", true);
      status.put("state", Map.of("running", Map.of("startedAt", startedAt)));
      containers.add(status);
    }
    String podIp = nextPodIp();
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", "Running");
    status.put("conditions", PodStatuses.conditionsWith(pod, conditions));
    status.put("containerStatuses", containers);
    status.put("podIP", podIp);
    status.put("podIPs", List.of(Map.of("ip", podIp)));
    String hostIp = internalIp(node);
    if (hostIp != null) {
      status.put("hostIP", hostIp);
      status.put("hostIPs", List.of(Map.of("ip", hostIp)));
    }
    status.put("startTime", pod.getStatus() != null && pod.getStatus().getStartTime() != null ? pod.getStatus().getStartTime() : startedAt);
    status.put("qosClass", "BestEffort");
    PodStatuses.patchStatus(client, pod, status);
  }

  private void writeSucceeded(Pod pod) {
    Map<String, Map<String, Object>> conditions = new LinkedHashMap<>();
    conditions.put("ContainersReady", PodStatuses.condition("ContainersReady", false, "PodCompleted", null));
    conditions.put("Ready", PodStatuses.condition("Ready", false, "PodCompleted", null));
    String finishedAt = Pods.now();
    List<Map<String, Object>> containers = new ArrayList<>();
    for (Container c : containers(pod)) {
      Map<String, Object> status = containerStatus(pod, c);
      status.put("ready", false);
      status.put("started", false);
      status.put("state", Map.of("terminated", Map.of("exitCode", 0, "reason", "Completed", "finishedAt", finishedAt)));
      containers.add(status);
    }
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", "Succeeded");
    status.put("conditions", PodStatuses.conditionsWith(pod, conditions));
    status.put("containerStatuses", containers);
    PodStatuses.patchStatus(client, pod, status);
  }

  private static List<Container> containers(Pod pod) {
    return pod.getSpec().getContainers() == null ? List.of() : pod.getSpec().getContainers();
  }

  private static Map<String, Object> containerStatus(Pod pod, Container c) {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("name", c.getName());
    status.put("image", c.getImage() == null ? "" : c.getImage());
    status.put("imageID", c.getImage() == null ? "" : c.getImage());
    status.put("containerID", "sim://" + pod.getMetadata().getUid() + "/" + c.getName());
    status.put("restartCount", 0);
    return status;
  }

  private String nextPodIp() {
    int n = addresses.getAndIncrement();
    return "10.128." + (n / 250) % 256 + "." + (n % 250 + 2);
  }

  private static String internalIp(Node node) {
    if (node.getStatus() == null || node.getStatus().getAddresses() == null) {
      return null;
    }
    return node.getStatus().getAddresses().stream()
        .filter(a -> "InternalIP".equals(a.getType()))
        .map(NodeAddress::getAddress)
        .findFirst()
        .orElse(null);
  }

  private static boolean isSet(Pod pod, String annotation) {
    String value = Pods.annotation(pod, annotation);
    return value != null && !"false".equalsIgnoreCase(value.trim());
  }

  /** A duration annotation in (possibly fractional) seconds; a malformed value falls back to the default. */
  static Duration seconds(Pod pod, String annotation, Duration fallback) {
    String value = Pods.annotation(pod, annotation);
    if (value == null) {
      return fallback;
    }
    try {
      double seconds = Double.parseDouble(value.trim());
      return seconds < 0 ? fallback : Duration.ofMillis((long) (seconds * 1000));
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
