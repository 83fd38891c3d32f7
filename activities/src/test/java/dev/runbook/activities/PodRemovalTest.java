package dev.runbook.activities;

import static dev.runbook.activities.Fixtures.ONE_ATTEMPT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.workflows.activities.AwaitPodsGoneRequest;
import dev.runbook.workflows.activities.DeletePodRequest;
import dev.runbook.workflows.activities.DrainActivities;
import dev.runbook.workflows.activities.PodsGoneResult;
import dev.runbook.workflows.model.PodRef;
import io.fabric8.kubernetes.api.model.Pod;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("deletePod and awaitPodsGone: a pod is gone when NotFound, replaced, or off the node")
class PodRemovalTest {
  private TestCluster cluster;
  private TestActivityEnvironment env;
  private DrainActivities drain;

  @BeforeEach
  void setUp() {
    cluster = new TestCluster();
    env = Fixtures.drainEnvironment(cluster, Duration.ofSeconds(5));
    drain = env.newActivityStub(DrainActivities.class, ONE_ATTEMPT);
  }

  @AfterEach
  void tearDown() {
    env.close();
    cluster.close();
  }

  private Pod pod(String name) {
    return Fixtures.create(cluster.client, Fixtures.replicaSetPod("shop", name, "worker-1", Map.of("app", name)));
  }

  private void removeNow(Pod pod) {
    cluster.client.pods().inNamespace("shop").withName(pod.getMetadata().getName()).withGracePeriod(0).delete();
  }

  private Pod read(String name) {
    return cluster.client.pods().inNamespace("shop").withName(name).get();
  }

  @Test
  void deletePodDeletesWithTheGracePeriodGiven() {
    Pod pod = pod("report-1");

    drain.deletePod(new DeletePodRequest(DrainActivitiesImpl.ref(pod), 5, "finished"));

    Pod terminating = read("report-1");
    assertNotNull(terminating.getMetadata().getDeletionTimestamp());
    assertEquals(5L, terminating.getMetadata().getDeletionGracePeriodSeconds());
  }

  @Test
  void deletePodLeavesANewPodUnderTheSameNameAlone() {
    Pod old = pod("db-0");
    removeNow(old);
    Pod recreated = pod("db-0");

    drain.deletePod(new DeletePodRequest(DrainActivitiesImpl.ref(old), 0, "escalation"));

    assertEquals(recreated.getMetadata().getUid(), read("db-0").getMetadata().getUid());
    assertNull(read("db-0").getMetadata().getDeletionTimestamp());
  }

  @Test
  void deletePodOfAMissingPodSucceeds() {
    drain.deletePod(new DeletePodRequest(new PodRef("shop", "ghost", "u-1"), null, "finished"));
  }

  @Test
  void aPodReplacedUnderTheSameNameCountsAsGone() {
    Pod old = pod("db-0");
    removeNow(old);
    pod("db-0");

    PodsGoneResult result =
        drain.awaitPodsGone(new AwaitPodsGoneRequest("worker-1", List.of(DrainActivitiesImpl.ref(old)), 0));

    assertEquals(List.of(DrainActivitiesImpl.ref(old)), result.gone());
    assertTrue(result.remaining().isEmpty());
  }

  @Test
  void returnsAfterTheTimeGivenWithWhatIsGoneSoFar() {
    Pod gone = pod("web-1");
    Pod staying = pod("web-2");
    removeNow(gone);

    PodsGoneResult result =
        drain.awaitPodsGone(
            new AwaitPodsGoneRequest(
                "worker-1", List.of(DrainActivitiesImpl.ref(gone), DrainActivitiesImpl.ref(staying)), 2));

    assertEquals(List.of(DrainActivitiesImpl.ref(gone)), result.gone());
    assertEquals(List.of(DrainActivitiesImpl.ref(staying)), result.remaining());
  }

  @Test
  void waitsWhileAPodTerminatesAndReturnsWhenItIsGone() throws Exception {
    Pod pod = pod("web-1");
    cluster.client.pods().inNamespace("shop").withName("web-1").withGracePeriod(30).delete(); // terminating, still there
    CountDownLatch waiting = new CountDownLatch(1);
    env.setActivityHeartbeatListener(DrainActivitiesImpl.PodsGoneProgress.class, p -> {
      if (!p.remaining().isEmpty()) {
        waiting.countDown();
      }
    });

    CompletableFuture<PodsGoneResult> wait =
        CompletableFuture.supplyAsync(
            () -> drain.awaitPodsGone(new AwaitPodsGoneRequest("worker-1", List.of(DrainActivitiesImpl.ref(pod)), 0)));
    assertTrue(waiting.await(60, TimeUnit.SECONDS), "a terminating pod is not gone yet");
    removeNow(pod);

    PodsGoneResult result = wait.get(60, TimeUnit.SECONDS);
    assertEquals(List.of(DrainActivitiesImpl.ref(pod)), result.gone());
  }

  @Test
  void aFinishedPodWaitedForIsDeletedAndCountsAsGone() {
    // What KubeVirt leaves behind a live migration: the source launcher, Completed, still bound to the node.
    Pod completed = pod("virt-launcher-vm-1");
    cluster.client.pods().inNamespace("shop").withName("virt-launcher-vm-1").editStatus(p -> {
      p.getStatus().setPhase("Succeeded");
      return p;
    });

    PodsGoneResult result =
        drain.awaitPodsGone(new AwaitPodsGoneRequest("worker-1", List.of(DrainActivitiesImpl.ref(completed)), 30));

    assertEquals(List.of(DrainActivitiesImpl.ref(completed)), result.gone());
    assertNull(read("virt-launcher-vm-1"));
  }
}
