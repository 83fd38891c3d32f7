package dev.runbook.activities;

import dev.runbook.workflows.activities.AwaitPodsGoneRequest;
import dev.runbook.workflows.activities.DeletePodRequest;
import dev.runbook.workflows.activities.DrainActivities;
import dev.runbook.workflows.activities.DrainPlan;
import dev.runbook.workflows.activities.DrainPlanRequest;
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

  public DrainActivitiesImpl(
      KubernetesClient client, KubernetesClient evictionClient, Clock clock, Duration blockedRetryInterval) {
    this.client = client;
    this.evictionClient = evictionClient;
    this.clock = clock;
    this.blockedRetryInterval = blockedRetryInterval;
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
    EvictionResult result = attemptEviction(request);
    if (result.outcome() != EvictionOutcome.BLOCKED || !request.waitWhileBlocked()) {
      return result;
    }
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
        result = attemptEviction(request);
      }
      return result;
    } finally {
      closeQuietly(pdbWatch);
    }
  }

  private EvictionResult attemptEviction(EvictionRequest request) {
    PodRef ref = request.pod();
    String action = "evict pod " + ref.key();
    // With the pod's UID the eviction's precondition answers "is it still the pod we planned?" by itself (404: gone,
    // 409: replaced under the same name; a pod never changes node): reading the pod first would double the API calls
    // of every eviction (bench/run: ~110 per node, each on the drain's critical path). The pod is read only when a
    // refusal has to be explained. Without a UID, the read decides whether the name still means a pod on this node.
    Supplier<Pod> current =
        memoize(() -> ApiFailures.call(action, () -> client.pods().inNamespace(ref.namespace()).withName(ref.name()).get()));
    if (ref.uid() == null && gone(current.get(), ref, request.nodeName())) {
      return new EvictionResult(EvictionOutcome.ALREADY_GONE, null);
    }
    try {
      boolean accepted =
          evictionClient.pods().inNamespace(ref.namespace()).withName(ref.name()).evict(eviction(request));
      if (accepted) {
        return new EvictionResult(EvictionOutcome.EVICTED, null);
      }
      Pod pod = current.get();
      return gone(pod, ref, request.nodeName())
          ? new EvictionResult(EvictionOutcome.ALREADY_GONE, null)
          : explainRefusal(request, pod);
    } catch (KubernetesClientException e) {
      int code = e.getCode();
      if (code == ApiFailures.NOT_FOUND) {
        return new EvictionResult(EvictionOutcome.ALREADY_GONE, null);
      }
      if (code == ApiFailures.CONFLICT) {
        // The UID precondition failed (a new pod under the name) or the pod changed under the API server.
        Pod now = ApiFailures.call(action, () -> client.pods().inNamespace(ref.namespace()).withName(ref.name()).get());
        if (gone(now, ref, request.nodeName())) {
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
      if ((code == 403 || code == 500) && gone(current.get(), ref, request.nodeName())) {
        return new EvictionResult(EvictionOutcome.ALREADY_GONE, null);
      }
      if (code == 403) {
        // The API server forbids evictions under a budget whose disruptionsAllowed went negative (more pods down
        // than it allows): a state the disruption controller repairs, so it is a blocker, not a refusal for good.
        List<PodDisruptionBudget> overrun =
            ApiFailures.call(action, () -> selectingPdbs(current.get(), listPdbs())).stream()
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
        List<PodDisruptionBudget> pdbs = ApiFailures.call(action, () -> selectingPdbs(current.get(), listPdbs()));
        if (pdbs.size() > 1) {
          List<String> names = pdbs.stream().map(DrainActivitiesImpl::key).toList();
          return blocked(
              ref,
              BlockerKind.MULTIPLE_PDBS,
              "pod " + ref.key() + " is selected by " + pdbs.size() + " PodDisruptionBudgets " + names
                  + ": the API server refuses to evict it until only one selects it",
              String.join(",", names),
              null,
              null);
        }
      }
      throw ApiFailures.translate(action, e);
    }
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
  private EvictionResult explainRefusal(EvictionRequest request, Pod pod) {
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
          List<PodDisruptionBudget> pdbs = selectingPdbs(pod, listPdbs());
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
    if (gone(pod, ref, null)) {
      return;
    }
    try {
      Preconditioned.delete(
          client,
          "/api/v1/namespaces/" + ref.namespace() + "/pods/" + ref.name(),
          ref.uid(),
          null,
          request.gracePeriodSeconds());
    } catch (KubernetesClientException e) {
      if (!ApiFailures.isConflict(e)) { // 409: the UID precondition failed, the name belongs to a new pod
        throw ApiFailures.translate(action, e);
      }
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
   * A waited-for pod that finished without being deleted never goes by itself: KubeVirt leaves a live-migrated
   * VM's source launcher Completed on the node, and nothing removes it until its VMI goes. It has nothing left to
   * disrupt, so it is deleted, as kubectl drain's retried eviction does on a real cluster.
   */
  private void deleteFinished(List<Pod> pods, Set<PodRef> waitedFor) {
    for (Pod pod : pods) {
      String phase = PodClassifier.phase(pod);
      PodRef ref = ref(pod);
      boolean finished = "Succeeded".equals(phase) || "Failed".equals(phase);
      if (finished && pod.getMetadata().getDeletionTimestamp() == null
          && waitedFor.stream().anyMatch(w -> identity(w).equals(identity(ref)) || identity(w).equals(ref.key()))) {
        deletePod(new DeletePodRequest(ref, null, "finished on the node: nothing left to disrupt"));
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

  /** NotFound, a different UID under the name, or (when {@code node} is given) no longer on that node. */
  private static boolean gone(Pod pod, PodRef ref, String node) {
    if (pod == null) {
      return true;
    }
    if (ref.uid() != null && !ref.uid().equals(pod.getMetadata().getUid())) {
      return true;
    }
    String podNode = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    return node != null && podNode != null && !node.equals(podNode);
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
