package dev.runbook.simulator.controllers;

import static dev.runbook.simulator.controllers.TestCluster.NS;
import static dev.runbook.simulator.controllers.TestCluster.podBuilder;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.SimAnnotations;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The kubelet")
class KubeletTest {
  private final Kubelet kubelet = new Kubelet();
  private TestCluster cluster;

  @BeforeEach
  void startCluster() {
    cluster = TestCluster.withGracefulDeletion().run(kubelet);
    cluster.node("worker-1");
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }

  @Test
  @DisplayName("a pod bound to a node becomes Running and Ready, with conditions, container statuses and an IP")
  void boundPodBecomesRunningAndReady() {
    cluster.pod(podBuilder("web").editSpec().withNodeName("worker-1").endSpec().build());

    await().untilAsserted(() -> assertTrue(Pods.isRunningAndReady(cluster.get("web"))));
    Pod pod = cluster.get("web");
    for (String type : List.of("PodScheduled", "Initialized", "ContainersReady", "Ready")) {
      assertEquals("True", Pods.condition(pod, type).map(PodCondition::getStatus).orElse("missing"), type);
    }
    assertEquals("main", pod.getStatus().getContainerStatuses().get(0).getName());
    assertTrue(pod.getStatus().getContainerStatuses().get(0).getReady());
    assertNotNull(pod.getStatus().getContainerStatuses().get(0).getState().getRunning());
    assertNotNull(pod.getStatus().getPodIP());
    assertNotNull(pod.getStatus().getStartTime());
  }

  @Test
  @DisplayName("a pod stays Pending until its simulated startup time has passed")
  void podStaysPendingUntilItsStartupTimeHasPassed() {
    // 6000 simulated seconds are 5 minutes at 20x: far longer than this test waits
    cluster.pod(podBuilder("slow").editMetadata().addToAnnotations(SimAnnotations.STARTUP_SECONDS, "6000").endMetadata()
        .editSpec().withNodeName("worker-1").endSpec().build());
    cluster.pod(podBuilder("quick").editMetadata().addToAnnotations(SimAnnotations.STARTUP_SECONDS, "1").endMetadata()
        .editSpec().withNodeName("worker-1").endSpec().build());

    await().untilAsserted(() -> assertTrue(Pods.isRunningAndReady(cluster.get("quick"))));
    assertEquals("Pending", Pods.phase(cluster.get("slow")));
  }

  @Test
  @DisplayName("a pod on a node that does not exist stays Pending, and starts once the node appears")
  void podOnAMissingNodeStaysPending() {
    cluster.pod(podBuilder("orphan").editSpec().withNodeName("worker-9").endSpec().build());
    cluster.pod(podBuilder("web").editSpec().withNodeName("worker-1").endSpec().build());
    await().untilAsserted(() -> assertTrue(Pods.isRunningAndReady(cluster.get("web"))));
    assertEquals("Pending", Pods.phase(cluster.get("orphan")));

    cluster.node("worker-9");

    await().untilAsserted(() -> assertTrue(Pods.isRunningAndReady(cluster.get("orphan"))));
  }

  @Test
  @DisplayName("a never-ready pod runs but never becomes Ready")
  void neverReadyPodRunsButIsNotReady() {
    cluster.pod(podBuilder("stuck").editMetadata().addToAnnotations(SimAnnotations.NEVER_READY, "true").endMetadata()
        .editSpec().withNodeName("worker-1").endSpec().build());

    await().untilAsserted(() -> assertEquals("Running", Pods.phase(cluster.get("stuck"))));
    assertFalse(Pods.isReady(cluster.get("stuck")));
  }

  @Test
  @DisplayName("a Job's pod runs for its run time and then Succeeds")
  void jobPodSucceedsAfterItsRunTime() {
    cluster.pod(podBuilder("batch-x1").editMetadata()
        .addToAnnotations(SimAnnotations.RUN_SECONDS, "2")
        .addNewOwnerReference().withApiVersion("batch/v1").withKind("Job").withName("batch").withUid("job-uid").withController(true).endOwnerReference()
        .endMetadata()
        .editSpec().withNodeName("worker-1").withRestartPolicy("Never").endSpec().build());

    await().untilAsserted(() -> assertEquals("Succeeded", Pods.phase(cluster.get("batch-x1"))));
    Pod pod = cluster.get("batch-x1");
    assertFalse(Pods.isReady(pod));
    assertEquals(0, pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode());
  }

  @Test
  @DisplayName("a pod deleted gracefully turns not Ready at once and is removed after its termination time")
  void terminatingPodTurnsNotReadyAndIsRemovedAfterItsTerminationTime() {
    // 200 simulated seconds of shutdown are 10 s at 20x: long enough to observe the terminating pod
    cluster.pod(podBuilder("web").editMetadata().addToAnnotations(SimAnnotations.TERMINATION_SECONDS, "200").endMetadata()
        .editSpec().withNodeName("worker-1").withTerminationGracePeriodSeconds(300L).endSpec().build());
    await().untilAsserted(() -> assertTrue(Pods.isRunningAndReady(cluster.get("web"))));

    cluster.client.pods().inNamespace(NS).withName("web").delete();

    await().untilAsserted(() -> {
      Pod pod = cluster.get("web");
      assertNotNull(pod, "removed before its termination time");
      assertNotNull(pod.getMetadata().getDeletionTimestamp());
      assertFalse(Pods.isReady(pod));
    });
    await().untilAsserted(() -> assertNull(cluster.get("web")));
  }

  @Test
  @DisplayName("the grace period given caps the termination time")
  void gracePeriodCapsTheTerminationTime() {
    // 10 000 simulated seconds would outlast the test; the 1 s grace period wins
    cluster.pod(podBuilder("web").editMetadata().addToAnnotations(SimAnnotations.TERMINATION_SECONDS, "10000").endMetadata()
        .editSpec().withNodeName("worker-1").endSpec().build());
    await().untilAsserted(() -> assertTrue(Pods.isRunningAndReady(cluster.get("web"))));

    cluster.client.pods().inNamespace(NS).withName("web").withGracePeriod(1).delete();

    await().untilAsserted(() -> assertNull(cluster.get("web")));
  }

  @Test
  @DisplayName("a pod already Running and Ready in the scenario is adopted as it is")
  void runningPodIsAdoptedAsItIs() {
    Pod running = podBuilder("adopted").editSpec().withNodeName("worker-1").endSpec()
        .withNewStatus().withPhase("Running").withPodIP("10.0.0.7")
        .addNewCondition().withType("Ready").withStatus("True").endCondition()
        .endStatus().build();
    String version = cluster.pod(running).getMetadata().getResourceVersion();
    cluster.pod(podBuilder("marker").editSpec().withNodeName("worker-1").endSpec().build());

    // once the kubelet has started a pod created later, it has long seen the adopted one
    await().untilAsserted(() -> assertTrue(Pods.isRunningAndReady(cluster.get("marker"))));
    assertEquals(version, cluster.get("adopted").getMetadata().getResourceVersion());
    assertEquals("10.0.0.7", cluster.get("adopted").getStatus().getPodIP());
  }

  @Test
  @DisplayName("a Ready pod being deleted starts its termination time in the reconcile that reports it not Ready")
  void terminationTimeStartsWithTheNotReadyWrite() {
    cluster.pod(podBuilder("db-0").editSpec().withNodeName("worker-1").endSpec().build());
    await().untilAsserted(() -> assertTrue(Pods.isRunningAndReady(cluster.get("db-0"))));
    String uid = cluster.get("db-0").getMetadata().getUid();
    kubelet.loop.close(); // from here on the test runs each reconcile itself

    cluster.client.pods().inNamespace(NS).withName("db-0").delete();

    await().until(() -> {
      kubelet.reconcile(Pods.key(NS, "db-0"));
      return !Pods.isReady(cluster.get("db-0"));
    });
    assertTrue(kubelet.hasTimer(uid + ":terminate"), "the termination timer runs already");
  }
}
