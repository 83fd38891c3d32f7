package dev.runbook.activities;

import static dev.runbook.activities.Fixtures.ONE_ATTEMPT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.activities.KubeVirtFixtures.VmSpec;
import dev.runbook.simulator.EvictionAdmitter;
import dev.runbook.simulator.SimAnnotations;
import dev.runbook.simulator.SimContext;
import dev.runbook.simulator.kubevirt.PodEvictionAdmitter;
import dev.runbook.workflows.activities.DrainActivities;
import dev.runbook.workflows.activities.EvictionBatchRequest;
import dev.runbook.workflows.activities.EvictionBatchResult.PodEviction;
import dev.runbook.workflows.activities.EvictionOutcome;
import dev.runbook.workflows.model.Blocker;
import dev.runbook.workflows.model.BlockerKind;
import dev.runbook.workflows.model.PodRef;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("evictPods: one attempt per pod, in parallel, each answered on its own")
class EvictionBatchTest {
  private static final String REFUSE = "test.runbook.dev/refuse-eviction";

  private final InFlight inFlight = new InFlight();
  private TestCluster cluster;
  private TestActivityEnvironment env;
  private DrainActivities drain;

  @BeforeEach
  void setUp() {
    cluster = new TestCluster(new PodEvictionAdmitter(), inFlight, EvictionBatchTest::refuseMarked);
    env = Fixtures.drainEnvironment(cluster, Duration.ofMinutes(10));
    drain = env.newActivityStub(DrainActivities.class, ONE_ATTEMPT);
  }

  @AfterEach
  void tearDown() {
    env.close();
    cluster.close();
  }

  /** Stands in for a policy that forbids the eviction for good (an admission webhook answering 403). */
  private static Optional<EvictionAdmitter.Denial> refuseMarked(Pod pod, KubernetesClient client, SimContext context) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    return annotations != null && annotations.containsKey(REFUSE)
        ? Optional.of(new EvictionAdmitter.Denial(403, "evictions of this pod are forbidden by policy"))
        : Optional.empty();
  }

  /**
   * Counts the eviction calls the API server is answering at once. With {@link #holdFirstWave} the first calls are
   * held until that many are in flight together (up to 30 s, so a slow machine only makes it slower), then for
   * {@code linger} more, or until one more call arrives: a batch allowed that much parallelism is seen using it, and
   * one that starts more calls than allowed has them seen while the first ones are still held.
   */
  static final class InFlight implements EvictionAdmitter {
    private int now;
    private int max;
    private int wave;
    private boolean holding;
    private Duration linger = Duration.ZERO;

    synchronized void holdFirstWave(int calls, Duration linger) {
      this.wave = calls;
      this.linger = linger;
      this.holding = true;
    }

    synchronized int max() {
      return max;
    }

    @Override
    public synchronized Optional<Denial> admit(Pod pod, KubernetesClient client, SimContext context) {
      now++;
      max = Math.max(max, now);
      notifyAll();
      if (holding) {
        waitUntil(() -> now >= wave || !holding, Duration.ofSeconds(30));
        waitUntil(() -> now > wave || !holding, linger);
        holding = false;
        notifyAll();
      }
      now--;
      return Optional.empty();
    }

    private void waitUntil(BooleanSupplier condition, Duration max) {
      long deadline = System.nanoTime() + max.toNanos();
      while (!condition.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private PodRef webPod(String name, String app) {
    return DrainActivitiesImpl.ref(Fixtures.create(cluster.client, Fixtures.replicaSetPod("shop", name, "worker-1", Map.of("app", app))));
  }

  private PodRef annotatedPod(String name, String annotation, String value) {
    Pod pod =
        Fixtures.replicaSetPod("shop", name, "worker-1", Map.of("app", name))
            .edit().editMetadata().addToAnnotations(annotation, value).endMetadata().build();
    return DrainActivitiesImpl.ref(Fixtures.create(cluster.client, pod));
  }

  private List<PodEviction> evict(List<PodRef> pods, int parallelism) {
    return drain.evictPods(new EvictionBatchRequest("worker-1", pods, null, parallelism)).evictions();
  }

  private static List<EvictionOutcome> outcomes(List<PodEviction> evictions) {
    return evictions.stream().map(e -> e.result() == null ? null : e.result().outcome()).toList();
  }

  private Pod read(PodRef ref) {
    return cluster.client.pods().inNamespace(ref.namespace()).withName(ref.name()).get();
  }

  @Test
  void eachPodIsAnsweredAsItsOwnEvictionWouldBeInTheOrderAsked() {
    PodRef web = webPod("web-1", "web");
    PodRef guarded = webPod("db-0", "db");
    Fixtures.create(cluster.client, Fixtures.pdb("shop", "db-pdb", Map.of("app", "db"), 0));
    PodRef missing = new PodRef("shop", "ghost", "0a1b");
    PodRef launcher = DrainActivitiesImpl.ref(KubeVirtFixtures.create(cluster.client, VmSpec.migratable("fedora", "worker-1", "LiveMigrate")));
    PodRef web2 = webPod("web-2", "web");
    List<PodRef> asked = List.of(web, guarded, missing, launcher, web2);

    List<PodEviction> evictions = evict(asked, 2);

    assertEquals(asked, evictions.stream().map(PodEviction::pod).toList());
    assertEquals(
        List.of(
            EvictionOutcome.EVICTED,
            EvictionOutcome.BLOCKED,
            EvictionOutcome.ALREADY_GONE,
            EvictionOutcome.EVACUATION_STARTED,
            EvictionOutcome.EVICTED),
        outcomes(evictions));
    Blocker blocker = evictions.get(1).result().blocker();
    assertEquals(BlockerKind.POD_DISRUPTION_BUDGET, blocker.kind());
    assertEquals("shop/db-pdb", blocker.pdb());
    assertEquals(0, blocker.disruptionsAllowed());
    assertTrue(evictions.stream().allMatch(e -> e.error() == null));
    assertNotNull(read(web).getMetadata().getDeletionTimestamp());
    assertNull(read(guarded).getMetadata().getDeletionTimestamp());
    assertNull(read(launcher).getMetadata().getDeletionTimestamp(), "the launcher stays until the migration ends");
  }

  @Test
  void aFailedAttemptIsReportedForItsPodWhileTheOthersAreEvicted() {
    PodRef outage = annotatedPod("flaky-1", SimAnnotations.EVICTION_FAULTS, "1");
    PodRef forbidden = annotatedPod("locked-1", REFUSE, "true");
    PodRef web = webPod("web-1", "web");

    List<PodEviction> evictions = evict(List.of(outage, forbidden, web), 3);

    assertEquals(Arrays.asList(null, null, EvictionOutcome.EVICTED), outcomes(evictions));
    PodEviction failed = evictions.get(0);
    assertTrue(failed.retryable(), "a 500 may pass on the next try");
    assertTrue(failed.error().contains("HTTP 500"), failed.error());
    assertTrue(failed.error().contains("flaky-1"), failed.error());
    PodEviction refused = evictions.get(1);
    assertFalse(refused.retryable(), "a 403 will be refused again");
    assertTrue(refused.error().contains("forbidden by policy"), refused.error());
    assertNull(read(outage).getMetadata().getDeletionTimestamp());
    assertEquals(List.of(EvictionOutcome.EVICTED), outcomes(evict(List.of(outage), 3)), "the outage was passing");
  }

  @Test
  void aBatchRetriedAfterItsEvictionsWereAcceptedFindsThePodsEvictedOrGone() {
    List<PodRef> pods = List.of(webPod("web-1", "web"), webPod("web-2", "web"));
    Fixtures.create(cluster.client, Fixtures.pdb("shop", "web-pdb", Map.of("app", "web"), 2));
    PodRef launcher = DrainActivitiesImpl.ref(KubeVirtFixtures.create(cluster.client, VmSpec.migratable("fedora", "worker-1", "LiveMigrate")));
    List<PodRef> asked = new ArrayList<>(pods);
    asked.add(launcher);

    List<EvictionOutcome> first = outcomes(evict(asked, 3));
    // The budget is spent now; the terminating pods must not be reported blocked by it.
    List<EvictionOutcome> retried = outcomes(evict(asked, 3));
    pods.forEach(p -> cluster.client.pods().inNamespace("shop").withName(p.name()).withGracePeriod(0).delete());
    List<EvictionOutcome> afterTheyWent = outcomes(evict(pods, 3));

    List<EvictionOutcome> accepted =
        List.of(EvictionOutcome.EVICTED, EvictionOutcome.EVICTED, EvictionOutcome.EVACUATION_STARTED);
    assertEquals(accepted, first);
    assertEquals(accepted, retried);
    assertEquals(List.of(EvictionOutcome.ALREADY_GONE, EvictionOutcome.ALREADY_GONE), afterTheyWent);
  }

  @Test
  void neverHasMoreEvictionsInFlightThanTheParallelismAllows() {
    List<PodRef> pods = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      pods.add(webPod("web-" + i, "web"));
    }
    inFlight.holdFirstWave(3, Duration.ofSeconds(1));

    List<PodEviction> evictions = evict(pods, 3);

    assertEquals(3, inFlight.max(), "three at a time, no more and no less");
    assertTrue(outcomes(evictions).stream().allMatch(EvictionOutcome.EVICTED::equals), outcomes(evictions).toString());
  }

  @Test
  void aParallelismBelowOneEvictsOneAtATime() {
    List<PodRef> pods = List.of(webPod("web-1", "web"), webPod("web-2", "web"), webPod("web-3", "web"));
    inFlight.holdFirstWave(1, Duration.ofSeconds(1));

    List<PodEviction> evictions = evict(pods, 0);

    assertEquals(1, inFlight.max());
    assertEquals(List.of(EvictionOutcome.EVICTED, EvictionOutcome.EVICTED, EvictionOutcome.EVICTED), outcomes(evictions));
  }

  @Test
  void aLargeBatchBlockedByOneBudgetReadsTheBudgetsOnce() {
    List<PodRef> pods = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      pods.add(webPod("web-" + i, "web"));
    }
    Fixtures.create(cluster.client, Fixtures.pdb("shop", "web-pdb", Map.of("app", "web"), 0));
    long listsBefore = pdbLists();

    List<PodEviction> evictions = evict(pods, 5);

    assertEquals(250, evictions.size());
    assertTrue(
        evictions.stream().allMatch(e -> e.result().outcome() == EvictionOutcome.BLOCKED
            && "shop/web-pdb".equals(e.result().blocker().pdb())),
        "every pod is blocked by the budget");
    assertEquals(1, pdbLists() - listsBefore);
  }

  private long pdbLists() {
    return cluster.sim.requests().stream()
        .filter(r -> r.verb().equals("list") && r.resource().equals("poddisruptionbudgets"))
        .mapToLong(r -> r.count())
        .sum();
  }
}
