package dev.runbook.simulator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.api.RequestAudit;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("shared informers: one list and watch per resource for all the controllers of a process")
class SharedInformersTest {
  private static final String SCENARIO =
      Scenarios.node("worker-1")
          + Scenarios.runningPod("default", "a", "worker-1", "{app: a}")
          + Scenarios.runningPod("default", "b", "worker-1", "{app: b}");

  /** The names of the pods a handler has been told about and not told are gone. */
  static final class Names implements ResourceEventHandler<Pod> {
    final Set<String> seen = ConcurrentHashMap.newKeySet();

    @Override
    public void onAdd(Pod pod) {
      seen.add(pod.getMetadata().getName());
    }

    @Override
    public void onUpdate(Pod oldPod, Pod newPod) {
      seen.add(newPod.getMetadata().getName());
    }

    @Override
    public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
      seen.remove(pod.getMetadata().getName());
    }
  }

  private static long served(SimulatedCluster cluster, String verb, String resource) {
    return cluster.requests().stream()
        .filter(e -> e.verb().equals(verb) && e.resource().equals(resource))
        .mapToLong(RequestAudit.Entry::count)
        .sum();
  }

  @Test
  @DisplayName("handlers of one key share a single list and watch, and a late handler is first given the cache as adds")
  void oneListAndWatchPerKey() {
    try (SimulatedCluster cluster = SimulatedCluster.builder().scenario(SCENARIO).start();
        SharedInformers informers = new SharedInformers(cluster.newClient(UnaryOperator.identity()))) {
      Names first = new Names();
      Names second = new Names();
      Names third = new Names();
      informers.inform("pods", c -> c.pods().inAnyNamespace(), first, 0);
      informers.inform("pods", c -> c.pods().inAnyNamespace(), second, 0);
      informers.inform("pods", c -> c.pods().inAnyNamespace(), third, 0);

      assertEquals(Set.of("a", "b"), second.seen, "the late handler was given the cached pods");
      assertEquals(Set.of("a", "b"), third.seen);
      cluster.client().pods().inNamespace("default").withName("a").withGracePeriod(0).delete();
      await().until(() -> !first.seen.contains("a") && !second.seen.contains("a") && !third.seen.contains("a"));
      assertEquals(1, served(cluster, "list", "pods"));
      assertEquals(1, served(cluster, "watch", "pods"));
      assertEquals(java.util.Map.of("pods", 3), informers.handlerCounts());
    }
  }

  @Test
  @DisplayName("the informer keeps running for the other handlers when one is removed, and stops with the last")
  void stopsWithTheLastHandler() {
    try (SimulatedCluster cluster = SimulatedCluster.builder().scenario(SCENARIO).start();
        SharedInformers informers = new SharedInformers(cluster.newClient(UnaryOperator.identity()))) {
      Names leaving = new Names();
      Names staying = new Names();
      var leavingRegistration = informers.inform("pods", c -> c.pods().inAnyNamespace(), leaving, 0);
      var stayingRegistration = informers.inform("pods", c -> c.pods().inAnyNamespace(), staying, 0);

      leavingRegistration.close();
      cluster.client().pods().inNamespace("default").resource(
          new PodBuilder().withNewMetadata().withName("c").withNamespace("default").endMetadata()
              .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build())
          .create();
      await().until(() -> staying.seen.contains("c"));
      assertFalse(leaving.seen.contains("c"), "a removed handler hears nothing more");
      assertTrue(stayingRegistration.informer().isRunning());

      stayingRegistration.close();
      assertFalse(stayingRegistration.informer().isRunning());
      assertEquals(java.util.Map.of(), informers.handlerCounts());
    }
  }

  @Test
  @DisplayName("the default controllers open one pod watch per process: kubelet, scheduler, controller manager, virt-controller")
  void defaultControllersSharePerProcess() {
    try (SimulatedCluster cluster =
        SimulatedCluster.builder().scenario(SCENARIO).speed(10).withDefaultControllers().start()) {
      // Lists are no measure: the KubeVirt controllers list from the API in every pass. Watches are the informers;
      // an informer counts as synced once listed, so its watch request may reach the server a moment later.
      await().untilAsserted(() -> {
        assertEquals(4, served(cluster, "watch", "pods"), () -> cluster.requests().toString());
        assertEquals(3, served(cluster, "watch", "nodes"), "kubelet, scheduler and controller manager");
        assertEquals(1, served(cluster, "watch", "virtualmachineinstances"));
        assertEquals(1, served(cluster, "watch", "replicasets"));
      });
      assertEquals(
          List.of("kube-controller-manager", "virt-controller"),
          cluster.informers().entrySet().stream()
              .filter(e -> e.getValue().values().stream().anyMatch(handlers -> handlers > 1))
              .map(java.util.Map.Entry::getKey)
              .sorted()
              .toList());
    }
  }
}
