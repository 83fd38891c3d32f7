package dev.runbook.activities;

import static dev.runbook.activities.Fixtures.ONE_ATTEMPT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.activities.KubeVirtFixtures.VmSpec;
import dev.runbook.simulator.EvictionAdmitter;
import dev.runbook.simulator.SimAnnotations;
import dev.runbook.simulator.SimContext;
import dev.runbook.simulator.kubevirt.PodEvictionAdmitter;
import dev.runbook.workflows.activities.DrainActivities;
import dev.runbook.workflows.activities.EvictionOutcome;
import dev.runbook.workflows.activities.EvictionRequest;
import dev.runbook.workflows.activities.EvictionResult;
import dev.runbook.workflows.activities.Failures;
import dev.runbook.workflows.model.Blocker;
import dev.runbook.workflows.model.BlockerKind;
import dev.runbook.workflows.model.PodRef;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("evictPod: the Eviction API's answers, explained")
class EvictionTest {
  /** Far longer than any test waits: a waiting eviction that finishes did so because it watched, not polled. */
  private static final Duration SLOW_RETRY = Duration.ofMinutes(10);

  private TestCluster cluster;
  private TestActivityEnvironment env;
  private DrainActivities drain;

  @BeforeEach
  void setUp() {
    // The simulator's KubeVirt webhook: evictions of virt-launcher pods are answered as virt-api answers them.
    cluster = new TestCluster(new PodEvictionAdmitter(), EvictionTest::replaceMarkedPodFirst);
    env = Fixtures.drainEnvironment(cluster, SLOW_RETRY);
    drain = env.newActivityStub(DrainActivities.class, ONE_ATTEMPT);
  }

  @AfterEach
  void tearDown() {
    env.close();
    cluster.close();
  }

  private static final String REPLACE_ON_EVICTION = "test.runbook.dev/replace-on-eviction";

  /**
   * Stands in for a StatefulSet that recreates its pod between our read and the API server's: the admitter runs
   * before the server checks the UID precondition, so the eviction meets a new pod under the same name.
   */
  private static Optional<EvictionAdmitter.Denial> replaceMarkedPodFirst(
      Pod pod, KubernetesClient client, SimContext context) {
    if (pod.getMetadata().getAnnotations() == null
        || !pod.getMetadata().getAnnotations().containsKey(REPLACE_ON_EVICTION)) {
      return Optional.empty();
    }
    String namespace = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
    client.pods().inNamespace(namespace).withName(name).waitUntilCondition(Objects::isNull, 30, TimeUnit.SECONDS);
    Pod replacement =
        new PodBuilder(pod)
            .editMetadata()
            .withUid(null)
            .withResourceVersion(null)
            .withCreationTimestamp(null)
            .removeFromAnnotations(REPLACE_ON_EVICTION)
            .endMetadata()
            .build();
    client.pods().resource(replacement).create();
    return Optional.empty();
  }

  private Pod webPod(String name) {
    return Fixtures.create(cluster.client, Fixtures.replicaSetPod("shop", name, "worker-1", Map.of("app", "web")));
  }

  private Pod read(Pod pod) {
    return cluster.client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).get();
  }

  private static EvictionRequest once(Pod pod) {
    return new EvictionRequest(DrainActivitiesImpl.ref(pod), "worker-1", null, false);
  }

  @Test
  void anEvictionTheApiServerAcceptsIsEvictedWithTheGracePeriodAsked() {
    Pod pod = webPod("web-1");

    EvictionResult result = drain.evictPod(new EvictionRequest(DrainActivitiesImpl.ref(pod), "worker-1", 7, false));

    assertEquals(EvictionOutcome.EVICTED, result.outcome());
    assertNull(result.blocker());
    Pod terminating = read(pod);
    assertNotNull(terminating.getMetadata().getDeletionTimestamp());
    assertEquals(7L, terminating.getMetadata().getDeletionGracePeriodSeconds());
  }

  @Test
  void aBudgetThatAllowsNoDisruptionBlocksTheEvictionAndIsNamedWithItsDisruptionsAllowed() {
    Pod pod = webPod("web-1");
    Fixtures.create(cluster.client, Fixtures.pdb("shop", "web-pdb", Map.of("app", "web"), 0));

    EvictionResult result = drain.evictPod(once(pod));

    assertEquals(EvictionOutcome.BLOCKED, result.outcome());
    Blocker blocker = result.blocker();
    assertEquals(BlockerKind.POD_DISRUPTION_BUDGET, blocker.kind());
    assertEquals("shop/web-pdb", blocker.pdb());
    assertEquals(0, blocker.disruptionsAllowed());
    assertEquals("shop/web-1", blocker.pod());
    assertTrue(blocker.since() > 0);
    assertNull(read(pod).getMetadata().getDeletionTimestamp());
  }

  @Test
  void anOverrunBudgetIsABlockerNotAPermanentRefusal() {
    Pod pod = webPod("web-1");
    Fixtures.create(cluster.client, Fixtures.pdb("shop", "web-pdb", Map.of("app", "web"), -1));

    EvictionResult result = drain.evictPod(once(pod));

    assertEquals(EvictionOutcome.BLOCKED, result.outcome());
    assertEquals(BlockerKind.POD_DISRUPTION_BUDGET, result.blocker().kind());
    assertEquals(-1, result.blocker().disruptionsAllowed());
  }

  @Test
  void aPodSelectedByTwoBudgetsIsBlockedNamingBoth() {
    Pod pod = webPod("web-1");
    Fixtures.create(cluster.client, Fixtures.pdb("shop", "web-pdb", Map.of("app", "web"), 1));
    Fixtures.create(cluster.client, Fixtures.pdb("shop", "all-pdb", Map.of(), 1));

    EvictionResult result = drain.evictPod(once(pod));

    assertEquals(EvictionOutcome.BLOCKED, result.outcome());
    assertEquals(BlockerKind.MULTIPLE_PDBS, result.blocker().kind());
    assertTrue(result.blocker().pdb().contains("shop/web-pdb"), result.blocker().pdb());
    assertTrue(result.blocker().pdb().contains("shop/all-pdb"), result.blocker().pdb());
  }

  @Test
  void aPodThatNoLongerExistsIsAlreadyGone() {
    EvictionResult result = drain.evictPod(new EvictionRequest(new PodRef("shop", "web-1", "0a1b"), "worker-1", null, false));

    assertEquals(EvictionOutcome.ALREADY_GONE, result.outcome());
  }

  @Test
  void aNameThatNowBelongsToANewPodIsAlreadyGoneAndTheNewPodIsLeftAlone() {
    Pod old = webPod("db-0");
    cluster.client.pods().inNamespace("shop").withName("db-0").withGracePeriod(0).delete();
    Pod recreated = webPod("db-0");

    EvictionResult result = drain.evictPod(once(old));

    assertEquals(EvictionOutcome.ALREADY_GONE, result.outcome());
    Pod now = read(recreated);
    assertEquals(recreated.getMetadata().getUid(), now.getMetadata().getUid());
    assertNull(now.getMetadata().getDeletionTimestamp());
  }

  @Test
  void aPodReplacedWhileTheEvictionIsInFlightIsAlreadyGoneAndTheReplacementIsNotEvicted() {
    Pod pod =
        Fixtures.create(
            cluster.client,
            Fixtures.replicaSetPod("shop", "db-0", "worker-1", Map.of("app", "db"))
                .edit().editMetadata().addToAnnotations(REPLACE_ON_EVICTION, "true").endMetadata().build());

    EvictionResult result = drain.evictPod(once(pod));

    assertEquals(EvictionOutcome.ALREADY_GONE, result.outcome());
    Pod replacement = read(pod);
    assertNotNull(replacement);
    assertNotEquals(pod.getMetadata().getUid(), replacement.getMetadata().getUid());
    assertNull(replacement.getMetadata().getDeletionTimestamp(), "the UID precondition protected the new pod");
  }

  @Test
  void aPodNamedWithoutUidThatIsNowOnAnotherNodeIsAlreadyGone() {
    // Only a name can move: a pod's node never changes, so a UID-named pod is checked by the eviction's precondition.
    Pod pod = Fixtures.create(cluster.client, Fixtures.replicaSetPod("shop", "web-1", "worker-2", Map.of("app", "web")));

    EvictionResult result =
        drain.evictPod(new EvictionRequest(new PodRef("shop", "web-1", null), "worker-1", null, false));

    assertEquals(EvictionOutcome.ALREADY_GONE, result.outcome());
    assertNull(read(pod).getMetadata().getDeletionTimestamp());
  }

  @Test
  void anApiServerErrorIsARetryableApiUnavailableFailure() {
    Pod pod =
        Fixtures.create(
            cluster.client,
            Fixtures.replicaSetPod("shop", "web-1", "worker-1", Map.of("app", "web"))
                .edit().editMetadata().addToAnnotations(SimAnnotations.EVICTION_FAULTS, "3").endMetadata().build());

    var failure = assertThrows(ActivityFailure.class, () -> drain.evictPod(once(pod)));

    assertEquals(Failures.API_UNAVAILABLE, Fixtures.failureType(failure));
    assertFalse(Fixtures.nonRetryable(failure));
  }

  @Test
  void aMigratableVmUnderLiveMigrateStartsAnEvacuation() {
    Pod launcher = KubeVirtFixtures.create(cluster.client, VmSpec.migratable("fedora", "worker-1", "LiveMigrate"));

    EvictionResult result = drain.evictPod(once(launcher));

    assertEquals(EvictionOutcome.EVACUATION_STARTED, result.outcome());
    assertNull(read(launcher).getMetadata().getDeletionTimestamp(), "the pod stays until the migration ends");
  }

  @Test
  void aVmThatCannotMigrateUnderLiveMigrateIsBlockedWithKubeVirtsReason() {
    Pod launcher = KubeVirtFixtures.create(cluster.client, VmSpec.notMigratable("rhel", "worker-1", "LiveMigrate"));

    EvictionResult result = drain.evictPod(once(launcher));

    assertEquals(EvictionOutcome.BLOCKED, result.outcome());
    assertEquals(BlockerKind.VM_NOT_MIGRATABLE, result.blocker().kind());
    assertEquals("vms/rhel", result.blocker().vm());
    assertTrue(result.blocker().message().contains("DisksNotLiveMigratable"), result.blocker().message());
  }

  @Test
  void aVmUnderExternalIsBlockedWaitingForTheExternalMover() {
    Pod launcher = KubeVirtFixtures.create(cluster.client, VmSpec.migratable("capk-node", "worker-1", "External"));

    EvictionResult result = drain.evictPod(once(launcher));

    assertEquals(EvictionOutcome.BLOCKED, result.outcome());
    assertEquals(BlockerKind.VM_EXTERNAL_EVACUATION, result.blocker().kind());
  }

  @Test
  void aVmUnderNoneIsEvictedAndSoShutDown() {
    Pod launcher = KubeVirtFixtures.create(cluster.client, VmSpec.migratable("batch-vm", "worker-1", "None"));

    EvictionResult result = drain.evictPod(once(launcher));

    assertEquals(EvictionOutcome.EVICTED, result.outcome());
  }

  @Test
  void aWaitingEvictionSucceedsAsSoonAsTheBudgetAllowsADisruption() throws Exception {
    Pod pod = webPod("web-1");
    Fixtures.create(cluster.client, Fixtures.pdb("shop", "web-pdb", Map.of("app", "web"), 0));
    CountDownLatch blocked = new CountDownLatch(1);
    env.setActivityHeartbeatListener(Blocker.class, b -> blocked.countDown());

    CompletableFuture<EvictionResult> eviction =
        CompletableFuture.supplyAsync(
            () -> drain.evictPod(new EvictionRequest(DrainActivitiesImpl.ref(pod), "worker-1", null, true)));
    assertTrue(blocked.await(60, TimeUnit.SECONDS), "the activity reports the PDB while it waits");
    Fixtures.setDisruptionsAllowed(cluster.client, "shop", "web-pdb", 1);

    // The retry interval is 10 minutes: only the PDB watch can make this finish in time.
    EvictionResult result = eviction.get(60, TimeUnit.SECONDS);
    assertEquals(EvictionOutcome.EVICTED, result.outcome());
    assertNotNull(read(pod).getMetadata().getDeletionTimestamp());
  }

  @Test
  void aCancelledWaitingEvictionStopsWithoutEvicting() throws Exception {
    Pod pod = webPod("web-1");
    Fixtures.create(cluster.client, Fixtures.pdb("shop", "web-pdb", Map.of("app", "web"), 0));
    CountDownLatch blocked = new CountDownLatch(1);
    env.setActivityHeartbeatListener(Blocker.class, b -> blocked.countDown());

    CompletableFuture<EvictionResult> eviction =
        CompletableFuture.supplyAsync(
            () -> drain.evictPod(new EvictionRequest(DrainActivitiesImpl.ref(pod), "worker-1", null, true)));
    assertTrue(blocked.await(60, TimeUnit.SECONDS));
    env.requestCancelActivity();

    ExecutionException stopped = assertThrows(ExecutionException.class, () -> eviction.get(60, TimeUnit.SECONDS));
    // The call only returns because the activity gave up its wait: the next retry would be 10 minutes away.
    assertInstanceOf(CanceledFailure.class, stopped.getCause());
    assertNull(read(pod).getMetadata().getDeletionTimestamp());
  }
}
