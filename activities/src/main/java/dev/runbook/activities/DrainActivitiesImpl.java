package dev.runbook.activities;

import dev.runbook.workflows.activities.AwaitPodsGoneRequest;
import dev.runbook.workflows.activities.DeletePodRequest;
import dev.runbook.workflows.activities.DrainActivities;
import dev.runbook.workflows.activities.DrainPlan;
import dev.runbook.workflows.activities.DrainPlanRequest;
import dev.runbook.workflows.activities.EvictionBatchRequest;
import dev.runbook.workflows.activities.EvictionBatchResult;
import dev.runbook.workflows.activities.EvictionBatchResult.PodEviction;
import dev.runbook.workflows.activities.EvictionOutcome;
import dev.runbook.workflows.activities.EvictionRequest;
import dev.runbook.workflows.activities.EvictionResult;
import dev.runbook.workflows.activities.Failures;
import dev.runbook.workflows.activities.PlannedPod;
import dev.runbook.workflows.activities.PlannedVm;
import dev.runbook.workflows.activities.PodAction;
import dev.runbook.workflows.activities.PodsGoneResult;
import dev.runbook.workflows.model.Blocker;
import dev.runbook.workflows.model.BlockerKind;
import dev.runbook.workflows.model.PodRef;
import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.Eviction;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Pods on the node. Evictions go through {@code evictionClient} (no client-side retries: a 429 must reach us at once).
 * Waits watch the objects they wait for and re-read the state on every wake-up, so a retry after a crash or a missed
 * event is never wrong, only late by one poll.
 */
public final class DrainActivitiesImpl implements DrainActivities {
  public static final Duration DEFAULT_BLOCKED_RETRY_INTERVAL = Duration.ofSeconds(5);
  /** How often a wait re-reads state without a watch event, and heartbeats. */
  static final Duration POLL_INTERVAL = Duration.ofSeconds(1);

  private final KubernetesClient client;
  private final KubernetesClient evictionClient;
  private final Clock clock;
  private final Duration blockedRetryInterval;
  private final PodRemoval removal;

  public DrainActivitiesImpl(
      KubernetesClient client, KubernetesClient evictionClient, Clock clock, Duration blockedRetryInterval) {
    this.client = client;
    this.evictionClient = evictionClient;
    this.clock = clock;
    this.blockedRetryInterval = blockedRetryInterval;
    this.removal = new PodRemoval(client);
  }

  /** Progress of awaitPodsGone kept in heartbeat details, so a retried attempt continues where the last one was. */
  public record PodsGoneProgress(List<PodRef> remaining) {}

  // ---- plan ------------------------------------------------------------------------------------------------------

  @Override
  public DrainPlan planDrain(DrainPlanRequest request) {
    String node = request.nodeName();
    return ApiFailures.call(
        "plan the drain of node " + node,
        () -> {
          if (client.nodes().withName(node).get() == null) {
            throw ApplicationFailure.newNonRetryableFailure(
                "node " + node + " does not exist", Failures.NODE_NOT_FOUND);
          }
          List<PodDisruptionBudget> pdbs = listPdbs();
          Map<String, Boolean> daemonSets = new HashMap<>();
          Supplier<String> clusterStrategy = memoize(() -> KubeVirt.clusterEvictionStrategy(client));
          List<PlannedPod> planned = new ArrayList<>();
          for (Pod pod : podsOn(node)) {
            planned.add(plan(pod, request, pdbs, daemonSets, clusterStrategy));
          }
          return new DrainPlan(node, planned);
        });
  }

  private PlannedPod plan(
      Pod pod,
      DrainPlanRequest request,
      List<PodDisruptionBudget> pdbs,
      Map<String, Boolean> daemonSets,
      Supplier<String> clusterStrategy) {
    PodClassifier.Decision decision =
        PodClassifier.classify(
            pod,
            request,
            p -> {
              String namespace = p.getMetadata().getNamespace();
              String name = PodClassifier.controllerOf(p).getName();
              return daemonSets.computeIfAbsent(
                  namespace + "/" + name,
                  k -> client.apps().daemonSets().inNamespace(namespace).withName(name).get() != null);
            });
    PlannedVm vm = null;
    if (KubeVirt.isVirtLauncher(pod) && KubeVirt.vmiName(pod) != null) {
      vm = plannedVm(pod, clusterStrategy);
      if (vm != null && decision.action() == PodAction.EVICT) {
        decision = PodClassifier.classifyVm(vm);
      }
    }
    OwnerReference controller = PodClassifier.controllerOf(pod);
    return new PlannedPod(
        ref(pod),
        controller == null ? null : controller.getKind() + "/" + controller.getName(),
        PodClassifier.phase(pod),
        !PodClassifier.emptyDirVolumes(pod).isEmpty(),
        selectingPdbs(pod, pdbs).stream().map(DrainActivitiesImpl::key).toList(),
        vm,
        decision.action(),
        decision.reason());
  }

  private PlannedVm plannedVm(Pod pod, Supplier<String> clusterStrategy) {
    String namespace = pod.getMetadata().getNamespace();
    GenericKubernetesResource vmi = KubeVirt.vmis(client).inNamespace(namespace).withName(KubeVirt.vmiName(pod)).get();
    if (vmi == null) {
      return null; // the VMI is already gone; its pod is an ordinary pod now
    }
    GenericKubernetesResource vm = KubeVirt.vmOf(client, vmi);
    String strategy = KubeVirt.evictionStrategy(vmi, clusterStrategy);
    return new PlannedVm(
        namespace,
        vmi.getMetadata().getName(),
        vm == null ? null : vm.getMetadata().getName(),
        strategy,
        KubeVirt.runStrategy(vm),
        KubeVirt.liveMigratable(vmi),
        KubeVirt.notMigratableReason(vmi));
  }

  // ---- evict -----------------------------------------------------------------------------------------------------

  @Override
  public EvictionResult evictPod(EvictionRequest request) {
    EvictionResult result = attemptEviction(request, this::listPdbs);
    if (result.outcome() == EvictionOutcome.BLOCKED && request.waitWhileBlocked()) {
      result = evictOnceAllowed(request, result);
    }
    if (result.outcome() != EvictionOutcome.EVICTED || request.awaitGoneSeconds() <= 0) {
      return result;
    }
    // Only a waiting request is run with a heartbeat timeout; a one-shot one is bounded by awaitGoneSeconds alone.
    Runnable heartbeat = request.waitWhileBlocked() ? () -> Activity.getExecutionContext().heartbeat(null) : () -> {};
    boolean gone =
        removal.awaitGone(request.pod(), request.nodeName(), Duration.ofSeconds(request.awaitGoneSeconds()), heartbeat);
    return gone ? new EvictionResult(EvictionOutcome.EVICTED_AND_GONE, null) : result;
  }

  private EvictionResult evictOnceAllowed(EvictionRequest request, EvictionResult refused) {
    EvictionResult result = refused;
    ChangeSignal<PodDisruptionBudget> pdbChanged = null;
    Watch pdbWatch = null;
    String watchedPdb = null;
    try {
      while (result.outcome() == EvictionOutcome.BLOCKED) {
        Blocker blocker = result.blocker();
        Activity.getExecutionContext().heartbeat(blocker); // delivers a cancellation
        if (blocker.kind() == BlockerKind.POD_DISRUPTION_BUDGET && !blocker.pdb().equals(watchedPdb)) {
          closeQuietly(pdbWatch);
          watchedPdb = blocker.pdb();
          pdbChanged = new ChangeSignal<>(DrainActivitiesImpl::allowsDisruption);
          pdbWatch = watchPdb(watchedPdb, pdbChanged);
        }
        waitFor(blocker.kind() == BlockerKind.POD_DISRUPTION_BUDGET ? pdbChanged : null, blockedRetryInterval, blocker);
        result = attemptEviction(request, this::listPdbs);
      }
      return result;
    } finally {
      closeQuietly(pdbWatch);
    }
  }

  /**
   * One eviction call, its answer explained. {@code pdbs} lists the cluster's PodDisruptionBudgets when a refusal
   * needs them: a batch reads them once for all its pods.
   */
  private EvictionResult attemptEviction(EvictionRequest request, Supplier<List<PodDisruptionBudget>> pdbs) {
    PodRef ref = request.pod();
    String action = "evict pod " + ref.key();
    // With the pod's UID the eviction's precondition answers "is it still the pod we planned?" by itself (404: gone,
    // 409: replaced under the same name; a pod never changes node): reading the pod first would double the API calls
    // of every eviction (bench/run: ~110 per node, each on the drain's critical path). The pod is read only when a
    // refusal has to be explained. Without a UID, the read decides whether the name still means a pod on this node.
    Supplier<Pod> current =
        memoize(() -> ApiFailures.call(action, () -> client.pods().inNamespace(ref.namespace()).withName(ref.name()).get()));
    if (ref.uid() == null && PodRemoval.gone(current.get(), ref, request.nodeName())) {
      return new EvictionResult(EvictionOutcome.ALREADY_GONE, null);
    }
    try {
      boolean accepted =
          evictionClient.pods().inNamespace(ref.namespace()).withName(ref.name()).evict(eviction(request));
      if (accepted) {
        return new EvictionResult(EvictionOutcome.EVICTED, null);
      }
      Pod pod = current.get();
      return PodRemoval.gone(pod, ref, request.nodeName())
          ? new EvictionResult(EvictionOutcome.ALREADY_GONE, null)
          : explainRefusal(request, pod, pdbs);
    } catch (KubernetesClientException e) {
      int code = e.getCode();
      if (code == ApiFailures.NOT_FOUND) {
        return new EvictionResult(EvictionOutcome.ALREADY_GONE, null);
      }
      if (code == ApiFailures.CONFLICT) {
        // The UID precondition failed (a new pod under the name) or the pod changed under the API server.
        Pod now = ApiFailures.call(action, () -> client.pods().inNamespace(ref.namespace()).withName(ref.name()).get());
        if (PodRemoval.gone(now, ref, request.nodeName())) {
          return new EvictionResult(EvictionOutcome.ALREADY_GONE, null);
        }
        return blocked(
            ref,
            BlockerKind.EVICTION_ERROR,
            "eviction conflict (HTTP 409): " + ApiFailures.statusMessage(e),
            null,
            null,
            null);
      }
      if ((code == 403 || code == 500) && PodRemoval.gone(current.get(), ref, request.nodeName())) {
        return new EvictionResult(EvictionOutcome.ALREADY_GONE, null);
      }
      if (code == 403) {
        // The API server forbids evictions under a budget whose disruptionsAllowed went negative (more pods down
        // than it allows): a state the disruption controller repairs, so it is a blocker, not a refusal for good.
        List<PodDisruptionBudget> overrun =
            ApiFailures.call(action, () -> selectingPdbs(current.get(), pdbs.get())).stream()
                .filter(pdb -> disruptionsAllowed(pdb) < 0)
                .toList();
        if (!overrun.isEmpty()) {
          PodDisruptionBudget pdb = overrun.get(0);
          return blocked(
              ref,
              BlockerKind.POD_DISRUPTION_BUDGET,
              "PodDisruptionBudget " + key(pdb) + " is overrun (disruptionsAllowed " + disruptionsAllowed(pdb)
                  + "): no eviction is allowed until enough of its pods are healthy again",
              key(pdb),
              disruptionsAllowed(pdb),
              null);
        }
      }
      if (code == 500) {
        List<PodDisruptionBudget> selecting = ApiFailures.call(action, () -> selectingPdbs(current.get(), pdbs.get()));
        if (selecting.size() > 1) {
          List<String> names = selecting.stream().map(DrainActivitiesImpl::key).toList();
          return blocked(
              ref,
              BlockerKind.MULTIPLE_PDBS,
              "pod " + ref.key() + " is selected by " + selecting.size() + " PodDisruptionBudgets " + names
                  + ": the API server refuses to evict it until only one selects it",
              String.join(",", names),
              null,
              null);
        }
      }
      throw ApiFailures.translate(action, e);
    }
  }

  @Override
  public EvictionBatchResult evictPods(EvictionBatchRequest request) {
    List<PodRef> pods = request.pods();
    if (pods.isEmpty()) {
      return new EvictionBatchResult(List.of());
    }
    // A refusal explained with the budgets as they were when the batch began is still right: the workflow tries the
    // blocked pod again with a fresh read. 250 pods behind one PDB then cost one list of PDBs, not 250.
    Supplier<List<PodDisruptionBudget>> pdbs = shared(this::listPdbs);
    ExecutorService evictors = evictors(Math.min(Math.max(1, request.parallelism()), pods.size()));
    try {
      List<Future<PodEviction>> attempts = new ArrayList<>(pods.size());
      for (PodRef pod : pods) {
        EvictionRequest one = new EvictionRequest(pod, request.nodeName(), request.gracePeriodSeconds(), false);
        attempts.add(evictors.submit(() -> attemptReported(one, pdbs)));
      }
      List<PodEviction> evictions = new ArrayList<>(pods.size());
      for (Future<PodEviction> attempt : attempts) {
        evictions.add(attempt.get());
      }
      return new EvictionBatchResult(evictions);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while evicting the pods of node " + request.nodeName(), e);
    } catch (ExecutionException e) {
      // attemptReported catches every RuntimeException: only an Error gets here
      throw new IllegalStateException("evicting a pod of node " + request.nodeName() + " failed", e.getCause());
    } finally {
      evictors.shutdownNow();
    }
  }

  /** One pod's attempt for a batch: a failure is the pod's answer, not the batch's. */
  private PodEviction attemptReported(EvictionRequest request, Supplier<List<PodDisruptionBudget>> pdbs) {
    try {
      return new PodEviction(request.pod(), attemptEviction(request, pdbs), null, false);
    } catch (ApplicationFailure failure) {
      return new PodEviction(request.pod(), null, failure.getOriginalMessage(), !failure.isNonRetryable());
    } catch (RuntimeException e) {
      return new PodEviction(
          request.pod(), null, "evict pod " + request.pod().key() + " failed: " + e, true);
    }
  }

  /** Per batch, so nothing outlives the activity; daemon threads, so a lost batch never holds the worker up. */
  private static ExecutorService evictors(int threads) {
    AtomicInteger count = new AtomicInteger();
    return Executors.newFixedThreadPool(
        threads,
        task -> {
          Thread thread = new Thread(task, "evict-pods-" + count.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
  }

  private Eviction eviction(EvictionRequest request) {
    PodRef ref = request.pod();
    // The UID precondition: a pod recreated under the same name (a StatefulSet's) is never evicted by mistake.
    DeleteOptionsBuilder options =
        new DeleteOptionsBuilder().withNewPreconditions().withUid(ref.uid()).endPreconditions();
    if (request.gracePeriodSeconds() != null) {
      options.withGracePeriodSeconds(request.gracePeriodSeconds().longValue());
    }
    return new EvictionBuilder()
        .withNewMetadata()
        .withName(ref.name())
        .withNamespace(ref.namespace())
        .endMetadata()
        .withDeleteOptions(options.build())
        .build();
  }

  /** A 429 says "not now", not why: read the state that decides it (KubeVirt first, as its webhook runs first). */
  private EvictionResult explainRefusal(
      EvictionRequest request, Pod pod, Supplier<List<PodDisruptionBudget>> allPdbs) {
    PodRef ref = request.pod();
    return ApiFailures.call(
        "explain the refused eviction of " + ref.key(),
        () -> {
          String vmiName = KubeVirt.isVirtLauncher(pod) ? KubeVirt.vmiName(pod) : null;
          GenericKubernetesResource vmi =
              vmiName == null ? null : KubeVirt.vmis(client).inNamespace(ref.namespace()).withName(vmiName).get();
          if (vmi != null) {
            String vmKey = ref.namespace() + "/" + vmiName;
            String strategy = KubeVirt.evictionStrategy(vmi, () -> KubeVirt.clusterEvictionStrategy(client));
            if (KubeVirt.EXTERNAL.equals(strategy)) {
              return blocked(
                  ref,
                  BlockerKind.VM_EXTERNAL_EVACUATION,
                  "VMI " + vmKey + " has evictionStrategy External: KubeVirt marked it for evacuation and waits for an"
                      + " external controller to move it",
                  null,
                  null,
                  vmKey);
            }
            if (KubeVirt.evacuationNodeName(vmi) != null) {
              return new EvictionResult(EvictionOutcome.EVACUATION_STARTED, null);
            }
            if (KubeVirt.LIVE_MIGRATE.equals(strategy) && !KubeVirt.liveMigratable(vmi)) {
              return blocked(
                  ref,
                  BlockerKind.VM_NOT_MIGRATABLE,
                  "VMI " + vmKey + " has evictionStrategy LiveMigrate but cannot live-migrate: "
                      + KubeVirt.notMigratableReason(vmi),
                  null,
                  null,
                  vmKey);
            }
          }
          List<PodDisruptionBudget> pdbs = selectingPdbs(pod, allPdbs.get());
          if (!pdbs.isEmpty()) {
            PodDisruptionBudget pdb =
                pdbs.stream().min(Comparator.comparingInt(DrainActivitiesImpl::disruptionsAllowed)).orElseThrow();
            int allowed = disruptionsAllowed(pdb);
            return blocked(
                ref,
                BlockerKind.POD_DISRUPTION_BUDGET,
                "evicting pod " + ref.key() + " would violate PodDisruptionBudget " + key(pdb)
                    + " (disruptionsAllowed " + allowed + ")",
                key(pdb),
                allowed,
                null);
          }
          return blocked(
              ref,
              BlockerKind.EVICTION_ERROR,
              "the API server answered 429 Too Many Requests with no PodDisruptionBudget or VM behind it (throttling?)",
              null,
              null,
              null);
        });
  }

  private EvictionResult blocked(
      PodRef ref, BlockerKind kind, String message, String pdb, Integer disruptionsAllowed, String vm) {
    return new EvictionResult(
        EvictionOutcome.BLOCKED,
        new Blocker(ref.key(), kind, message, pdb, disruptionsAllowed, vm, clock.millis()));
  }

  private Watch watchPdb(String pdbKey, ChangeSignal<PodDisruptionBudget> signal) {
    String[] parts = pdbKey.split("/", 2);
    try {
      return client.policy().v1().podDisruptionBudget().inNamespace(parts[0]).withName(parts[1]).watch(signal);
    } catch (KubernetesClientException e) {
      return null; // the timed re-try covers it
    }
  }

  private static boolean allowsDisruption(PodDisruptionBudget pdb) {
    return disruptionsAllowed(pdb) > 0;
  }

  private static int disruptionsAllowed(PodDisruptionBudget pdb) {
    return pdb.getStatus() == null || pdb.getStatus().getDisruptionsAllowed() == null
        ? 0
        : pdb.getStatus().getDisruptionsAllowed();
  }

  // ---- delete ----------------------------------------------------------------------------------------------------

  @Override
  public void deletePod(DeletePodRequest request) {
    PodRef ref = request.pod();
    String action = "delete pod " + ref.key();
    Pod pod = ApiFailures.call(action, () -> client.pods().inNamespace(ref.namespace()).withName(ref.name()).get());
    if (!PodRemoval.gone(pod, ref, null)) {
      removal.delete(ref, request.gracePeriodSeconds());
    }
  }

  // ---- await -----------------------------------------------------------------------------------------------------

  @Override
  public PodsGoneResult awaitPodsGone(AwaitPodsGoneRequest request) {
    var context = Activity.getExecutionContext();
    Set<PodRef> remaining = new LinkedHashSet<>(request.pods());
    context.getHeartbeatDetails(PodsGoneProgress.class).ifPresent(p -> remaining.retainAll(p.remaining()));
    long deadline =
        request.returnAfterSeconds() > 0
            ? System.nanoTime() + Duration.ofSeconds(request.returnAfterSeconds()).toNanos()
            : Long.MAX_VALUE;
    ChangeSignal<Pod> podsChanged = new ChangeSignal<>();
    Watch watch = null;
    try {
      watch = client.pods().inAnyNamespace().withField("spec.nodeName", request.nodeName()).watch(podsChanged);
    } catch (KubernetesClientException e) {
      // polling alone still answers correctly
    }
    try {
      while (true) {
        List<Pod> pods = ApiFailures.call("list pods on node " + request.nodeName(), () -> podsOn(request.nodeName()));
        Set<String> present = identities(pods);
        remaining.removeIf(ref -> !present.contains(identity(ref)));
        deleteFinished(pods, remaining);
        context.heartbeat(new PodsGoneProgress(List.copyOf(remaining)));
        if (remaining.isEmpty() || System.nanoTime() >= deadline) {
          List<PodRef> gone = request.pods().stream().filter(p -> !remaining.contains(p)).toList();
          return new PodsGoneResult(gone, List.copyOf(remaining));
        }
        await(podsChanged, POLL_INTERVAL);
      }
    } finally {
      closeQuietly(watch);
    }
  }

  /** {@code namespace/name/uid} of every pod on the node: a same-name pod with a new UID is another pod. */
  private static Set<String> identities(List<Pod> pods) {
    Set<String> present = new HashSet<>();
    for (Pod pod : pods) {
      present.add(identity(ref(pod)));
      present.add(ref(pod).key());
    }
    return present;
  }

  /**
   * A waited-for pod that finished without being deleted never goes by itself (see
   * {@link PodRemoval#finishedAndLeft}). It has nothing left to disrupt, so it is deleted, as kubectl drain's retried
   * eviction does on a real cluster.
   */
  private void deleteFinished(List<Pod> pods, Set<PodRef> waitedFor) {
    for (Pod pod : pods) {
      PodRef ref = ref(pod);
      if (PodRemoval.finishedAndLeft(pod)
          && waitedFor.stream().anyMatch(w -> identity(w).equals(identity(ref)) || identity(w).equals(ref.key()))) {
        removal.delete(ref, null);
      }
    }
  }

  /** {@code namespace/name/uid}; a ref without a UID (not from a plan) stands for whatever pod has the name. */
  private static String identity(PodRef ref) {
    return ref.uid() == null ? ref.key() : ref.key() + "/" + ref.uid();
  }

  // ---- shared ----------------------------------------------------------------------------------------------------

  /** The field selector does the work on a real API server; the filter keeps us right where it is ignored. */
  private List<Pod> podsOn(String node) {
    return client.pods().inAnyNamespace().withField("spec.nodeName", node).list().getItems().stream()
        .filter(p -> p.getSpec() != null && node.equals(p.getSpec().getNodeName()))
        .toList();
  }

  private List<PodDisruptionBudget> listPdbs() {
    return client.policy().v1().podDisruptionBudget().inAnyNamespace().list().getItems();
  }

  private static List<PodDisruptionBudget> selectingPdbs(Pod pod, List<PodDisruptionBudget> pdbs) {
    return pdbs.stream()
        .filter(pdb -> LabelSelectors.selects(pdb, pod.getMetadata().getNamespace(), pod.getMetadata().getLabels()))
        .toList();
  }

  private void waitFor(ChangeSignal<?> signal, Duration max, Blocker blocker) {
    long deadline = System.nanoTime() + max.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      Duration slice = Duration.ofNanos(Math.min(left, POLL_INTERVAL.toNanos()));
      if (signal != null ? await(signal, slice) : sleep(slice)) {
        return;
      }
      Activity.getExecutionContext().heartbeat(blocker);
    }
  }

  private static boolean await(ChangeSignal<?> signal, Duration timeout) {
    try {
      return signal.await(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting", e);
    }
  }

  private static boolean sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting", e);
    }
  }

  static PodRef ref(Pod pod) {
    return new PodRef(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), pod.getMetadata().getUid());
  }

  private static String key(PodDisruptionBudget pdb) {
    return pdb.getMetadata().getNamespace() + "/" + pdb.getMetadata().getName();
  }

  static void closeQuietly(Watch watch) {
    if (watch != null) {
      try {
        watch.close();
      } catch (RuntimeException e) {
        // closing is best effort; the activity's answer does not depend on it
      }
    }
  }

  /**
   * {@link #memoize} for several threads: the first to ask reads while the others wait for its answer; a read that
   * failed is not kept, so the next caller tries again.
   */
  private static <T> Supplier<T> shared(Supplier<T> supplier) {
    return new Supplier<>() {
      private T value;

      @Override
      public synchronized T get() {
        if (value == null) {
          value = supplier.get();
        }
        return value;
      }
    };
  }

  /** Asks once, and only if needed: most drains have no VM that lacks its own eviction strategy. */
  private static <T> Supplier<T> memoize(Supplier<T> supplier) {
    return new Supplier<>() {
      private boolean asked;
      private T value;

      @Override
      public T get() {
        if (!asked) {
          value = supplier.get();
          asked = true;
        }
        return value;
      }
    };
  }
}
