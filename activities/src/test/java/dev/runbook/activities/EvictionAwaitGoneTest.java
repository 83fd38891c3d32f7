package dev.runbook.activities;

import static dev.runbook.activities.Fixtures.ONE_ATTEMPT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.SimAnnotations;
import dev.runbook.simulator.controllers.Kubelet;
import dev.runbook.workflows.activities.DrainActivities;
import dev.runbook.workflows.activities.EvictionOutcome;
import dev.runbook.workflows.activities.EvictionRequest;
import dev.runbook.workflows.activities.EvictionResult;
import dev.runbook.workflows.model.Blocker;
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

@DisplayName("evictPod with awaitGoneSeconds: an accepted eviction also waits for its pod to go")
class EvictionAwaitGoneTest {
  private TestCluster cluster;
  private TestActivityEnvironment env;
  private DrainActivities drain;

  @BeforeEach
  void setUp() {
    // The simulator's kubelet finishes terminating pods after their simulated termination time (1 s by default).
    cluster = new TestCluster(List.of(new Kubelet()));
    env = Fixtures.drainEnvironment(cluster, Duration.ofMinutes(10));
    drain = env.newActivityStub(DrainActivities.class, ONE_ATTEMPT);
  }

  @AfterEach
  void tearDown() {
    env.close();
    cluster.close();
  }

  private Pod webPod(String name, Map<String, String> annotations) {
    return Fixtures.create(
        cluster.client,
        Fixtures.replicaSetPod("shop", name, "worker-1", Map.of("app", "web"))
            .edit().editMetadata().addToAnnotations(annotations).endMetadata().build());
  }

  private Pod read(Pod pod) {
    return cluster.client.pods().inNamespace("shop").withName(pod.getMetadata().getName()).get();
  }

  @Test
  void aPodThatTerminatesWithinTheWaitIsEvictedAndGone() {
    Pod pod = webPod("web-1", Map.of());

    EvictionResult result =
        drain.evictPod(new EvictionRequest(DrainActivitiesImpl.ref(pod), "worker-1", null, false, 60));

    assertEquals(EvictionOutcome.EVICTED_AND_GONE, result.outcome());
    assertNull(read(pod));
  }

  @Test
  void aPodStillTerminatingAtTheEndOfTheWaitIsEvicted() {
    Pod pod = webPod("web-1", Map.of(SimAnnotations.TERMINATION_SECONDS, "600"));

    EvictionResult result =
        drain.evictPod(new EvictionRequest(DrainActivitiesImpl.ref(pod), "worker-1", 600, false, 1));

    assertEquals(EvictionOutcome.EVICTED, result.outcome());
    assertNotNull(read(pod).getMetadata().getDeletionTimestamp(), "still terminating");
  }

  @Test
  void aWaitingEvictionAcceptedOnceTheBudgetAllowsItAlsoWaitsForThePod() throws Exception {
    Pod pod = webPod("web-1", Map.of());
    Fixtures.create(cluster.client, Fixtures.pdb("shop", "web-pdb", Map.of("app", "web"), 0));
    CountDownLatch blocked = new CountDownLatch(1);
    env.setActivityHeartbeatListener(Blocker.class, b -> blocked.countDown());

    CompletableFuture<EvictionResult> eviction =
        CompletableFuture.supplyAsync(
            () -> drain.evictPod(new EvictionRequest(DrainActivitiesImpl.ref(pod), "worker-1", null, true, 60)));
    assertTrue(blocked.await(60, TimeUnit.SECONDS), "the activity reports the PDB while it waits");
    Fixtures.setDisruptionsAllowed(cluster.client, "shop", "web-pdb", 1);

    assertEquals(EvictionOutcome.EVICTED_AND_GONE, eviction.get(60, TimeUnit.SECONDS).outcome());
    assertNull(read(pod));
  }
}
