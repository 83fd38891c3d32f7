package dev.runbook.workflows;

import static dev.runbook.workflows.MaintenanceActivityOptions.PODS_GONE_MAX_REPORT_SECONDS;
import static dev.runbook.workflows.MaintenanceActivityOptions.PODS_GONE_REPORT_SECONDS;
import static dev.runbook.workflows.MaintenanceActivityOptions.QUICK;
import static dev.runbook.workflows.MaintenanceActivityOptions.WAITING;

import dev.runbook.workflows.DrainProgress.Pod;
import dev.runbook.workflows.DrainProgress.Vm;
import dev.runbook.workflows.activities.AwaitPodsGoneRequest;
import dev.runbook.workflows.activities.CancelEvacuationsRequest;
import dev.runbook.workflows.activities.CordonRequest;
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
import dev.runbook.workflows.activities.LeaseActivities;
import dev.runbook.workflows.activities.LeaseRequest;
import dev.runbook.workflows.activities.MigrationRequest;
import dev.runbook.workflows.activities.MigrationResult;
import dev.runbook.workflows.activities.NodeActivities;
import dev.runbook.workflows.activities.NodeEventReason;
import dev.runbook.workflows.activities.NodeEventRequest;
import dev.runbook.workflows.activities.NodeSnapshot;
import dev.runbook.workflows.activities.PodAction;
import dev.runbook.workflows.activities.PodsGoneResult;
import dev.runbook.workflows.activities.RestoreNodeRequest;
import dev.runbook.workflows.activities.VirtualMachineActivities;
import dev.runbook.workflows.model.Blocker;
import dev.runbook.workflows.model.BlockerKind;
import dev.runbook.workflows.model.EscalateRequest;
import dev.runbook.workflows.model.ExtendDeadlineRequest;
import dev.runbook.workflows.model.MaintenanceRequest;
import dev.runbook.workflows.model.MaintenanceResult;
import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.Phase;
import dev.runbook.workflows.model.PodRef;
import dev.runbook.workflows.model.PodState;
import dev.runbook.workflows.model.Stage;
import dev.runbook.workflows.model.VmState;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.converter.DataConverterException;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.worker.WorkflowImplementationOptions;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowSemaphore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/**
 * The node maintenance runbook: {@link #validate}, {@link #cordon}, {@link #drain}, {@link #awaitResume},
 * {@link #uncordon}.
 *
 * <p>Phase, as NMO uses it: {@code Running} until the node is drained, {@code Succeeded} from AWAITING_RESUME on
 * (NMO reports Succeeded as soon as the drain finished, while the node is still in maintenance), {@code Failed}
 * when the maintenance failed, was cancelled before the node was drained, or was aborted by {@code resume} before
 * the node was drained.
 *
 * <p>A {@code resume} before AWAITING_RESUME aborts: the running step is cancelled, the node restored, and the
 * workflow completes normally (the operator asked for it; it is not a failure of the workflow) with stage
 * COMPLETED, phase Failed and {@code lastError} saying at which stage it was aborted. A workflow cancellation
 * restores the node the same way, ends in stage CANCELLED and is reported to Temporal as cancelled.
 */
public class NodeMaintenanceWorkflowImpl implements NodeMaintenanceWorkflow {
  private static final Logger log = Workflow.getLogger(NodeMaintenanceWorkflowImpl.class);

  static final int LEASE_DURATION_SECONDS = 3600;
  /** Workflow.getVersion change id: pods whose chains decide the drain's length take the eviction slots first. */
  static final String LONGEST_CHAINS_FIRST = "longest-chains-first";
  /** Workflow.getVersion change id: a pod's handler starts only once an eviction slot is free for it. */
  static final String LAZY_POD_HANDLERS = "lazy-pod-handlers";
  /**
   * Workflow.getVersion change id: one evictPods activity tries every pod of a pass, and the waits for a blocked
   * eviction or a migration also wait (briefly) for their pod to go.
   */
  static final String BATCHED_EVICTIONS = "batched-evictions";
  /** The most pods one evictPods activity takes: keeps its input and result far below Temporal's payload limit. */
  static final int EVICTION_BATCH_SIZE = 250;
  /**
   * How long a blocked eviction, once accepted, or a finished migration waits for its pod to go before it reports
   * (the pod then shows TERMINATING and the pods-gone wait takes it over). Most pods go within it, and then cost no
   * awaitPodsGone of their own (6 history events). Meanwhile the status still shows the pod BLOCKED or MIGRATING.
   */
  static final int AWAIT_GONE_SECONDS = 5;
  /** A pod listed again after awaitPodsGone said it went: give the API's lists time to agree before acting. */
  private static final Duration RELISTED_PAUSE = Duration.ofSeconds(5);
  /** A blocked-eviction wait that returned still blocked (it should not): do not turn it into a hot loop. */
  private static final Duration STILL_BLOCKED_PAUSE = Duration.ofSeconds(10);
  private static final int BLOCKERS_IN_DETAILS = 10;
  private static final int BATCH_PODS_IN_SUMMARY = 5;
  private static final Duration MIGRATION_RETRY_PAUSE = Duration.ofSeconds(10);
  private static final Duration MIGRATION_RETRY_MAX_PAUSE = Duration.ofMinutes(5);

  /**
   * Register the workflow with these options. A malformed input (a JSON field of the wrong type) raises a
   * DataConverterException while the arguments are converted; without this option that is a workflow task
   * failure that Temporal retries forever, with it the workflow fails and says why.
   */
  public static WorkflowImplementationOptions implementationOptions() {
    return WorkflowImplementationOptions.newBuilder()
        .setFailWorkflowExceptionTypes(DataConverterException.class)
        .build();
  }

  private final NodeActivities node = Workflow.newActivityStub(NodeActivities.class, QUICK);
  private final LeaseActivities lease = Workflow.newActivityStub(LeaseActivities.class, QUICK);
  private final DrainActivities planner = Workflow.newActivityStub(DrainActivities.class, QUICK);
  private final VirtualMachineActivities evacuations =
      Workflow.newActivityStub(VirtualMachineActivities.class, QUICK);

  private final DrainProgress progress = new DrainProgress();

  private MaintenanceRequest request;
  private String nodeName;
  private String workflowId;

  private Stage stage = Stage.VALIDATING;
  private Phase phase = Phase.Running;
  private String lastError;
  private String lastUpdate;
  private int errorOnLeaseCount;
  private Boolean wasUnschedulable;
  private boolean awaitingOperator;

  /** The validation plan doubles as the drain's first pass. */
  private DrainPlan firstPlan;
  private WorkflowSemaphore evictionSlots;
  private int runningPodHandlers;
  /** This run evicts through evictPods (BATCHED_EVICTIONS); false for runs started before. */
  private boolean batchedEvictions;
  private Long drainDeadlineMillis;
  /** Bumped by every deadline change, so the deadline watcher starts a new timer. */
  private int deadlineGeneration;
  private Promise<Void> deadlineTimer;
  private Promise<Void> autoResumeTimer;

  private boolean resumeRequested;
  /** Validate, cordon and drain run here; {@code resume} cancels it. */
  private CancellationScope mainScope;
  private CancellationScope leaseRenewal;
  // What cleanup has to undo. Each is set before the call that changes the cluster: the call may have taken
  // effect even if its result never came back.
  private boolean leaseTaken;
  private boolean cordonStarted;
  private boolean drainStarted;

  @Override
  public MaintenanceResult run(MaintenanceRequest request) {
    if (request == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "the maintenance request is missing: pass {\"nodeName\": \"<node>\", \"reason\": \"...\"}",
          Failures.INVALID_REQUEST);
    }
    this.request = request;
    this.nodeName = request.getNodeName();
    this.workflowId = Workflow.getInfo().getWorkflowId();
    touch();
    try {
      mainScope =
          Workflow.newCancellationScope(
              () -> {
                if (resumeRequested) {
                  throw new CanceledFailure("resume arrived before the maintenance started");
                }
                validate();
                cordon();
                drain();
              });
      mainScope.run();
      awaitResume();
      uncordon();
      return new MaintenanceResult(stage, status());
    } catch (TemporalFailure failure) {
      // Whatever still runs in the drain (other pods' evictions) must stop before the node is restored.
      mainScope.cancel();
      if (isCancellation(failure) && CancellationScope.current().isCancelRequested()) {
        endCancelled();
        throw failure;
      }
      if (isCancellation(failure) && resumeRequested) {
        return endAborted();
      }
      throw endFailed(failure);
    }
  }

  // ---- the runbook's steps

  private void validate() {
    setStage(Stage.VALIDATING);
    List<String> problems = request.problems();
    if (!problems.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "invalid maintenance request: " + String.join("; ", problems), Failures.INVALID_REQUEST);
    }
    NodeSnapshot snapshot = node.getNode(nodeName);
    if (!snapshot.exists()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "node '" + nodeName + "' not found; nothing was changed", Failures.NODE_NOT_FOUND);
    }
    // Until cordon reports what it found, the pre-cordon snapshot decides whether cleanup uncordons.
    wasUnschedulable = snapshot.unschedulable();
    leaseTaken = true;
    try {
      lease.acquireLease(leaseRequest());
    } catch (ActivityFailure failure) {
      if (Failures.LEASE_HELD.equals(failureType(failure))) {
        leaseTaken = false;
        throw ApplicationFailure.newNonRetryableFailure(
            "node '" + nodeName + "' is held by another maintenance; nothing was changed: " + message(failure),
            Failures.LEASE_HELD);
      }
      throw failure;
    }
    startLeaseRenewal();
    DrainPlan plan = planner.planDrain(planRequest());
    if (!plan.feasible()) {
      String refused =
          plan.refused().stream()
              .map(p -> p.ref().key() + " (" + p.reason() + ")")
              .collect(Collectors.joining("; "));
      throw ApplicationFailure.newNonRetryableFailure(
          "the drain of node '" + nodeName + "' cannot succeed under the options; nothing was changed. Refused pods: "
              + refused,
          Failures.DRAIN_INFEASIBLE);
    }
    firstPlan = plan;
  }

  private void cordon() {
    setStage(Stage.CORDONING);
    cordonStarted = true;
    wasUnschedulable = node.cordon(new CordonRequest(nodeName, workflowId, request.getReason())).wasUnschedulable();
    touch();
    emit(NodeEventReason.BeginMaintenance, "Node maintenance started by " + workflowId + reasonSuffix(), false);
  }

  private void drain() {
    setStage(Stage.DRAINING);
    drainStarted = true;
    evictionSlots = Workflow.newWorkflowSemaphore(request.maxConcurrentEvictions());
    drainDeadlineMillis = Workflow.currentTimeMillis() + request.drainDeadline().toMillis();
    CancellationScope deadlineWatch = Workflow.newCancellationScope(() -> Async.procedure(this::watchDeadline));
    deadlineWatch.run();
    try {
      DrainPlan plan = firstPlan;
      while (true) {
        List<Pod> relisted = new ArrayList<>();
        List<Pod> todo = progress.absorb(plan.pods(), relisted);
        touch();
        if (todo.isEmpty()) {
          break;
        }
        if (!relisted.isEmpty()) {
          Workflow.sleep(RELISTED_PAUSE);
        }
        runPass(todo);
        plan = planner.planDrain(planRequest());
      }
    } finally {
      deadlineWatch.cancel();
    }
    drainDeadlineMillis = null;
    awaitingOperator = false;
    lastError = null;
  }

  private void awaitResume() {
    setStage(Stage.AWAITING_RESUME);
    emit(NodeEventReason.SucceedMaintenance, "Node drained; in maintenance until resumed", false);
    Duration autoResume = request.getAutoResumeAfter();
    if (autoResume == null) {
      Workflow.await(() -> resumeRequested);
      return;
    }
    CancellationScope timerScope =
        Workflow.newCancellationScope(
            () -> autoResumeTimer = Workflow.newTimer(autoResume, summary("auto-resume after " + autoResume)));
    timerScope.run();
    Workflow.await(() -> resumeRequested || autoResumeTimer.isCompleted());
    if (resumeRequested) {
      timerScope.cancel();
    } else {
      log.info("auto-resume of node {} after {}", nodeName, autoResume);
    }
  }

  private void uncordon() {
    setStage(Stage.UNCORDONING);
    restoreNode(null);
    setStage(Stage.COMPLETED);
  }

  // ---- endings other than the runbook's own

  private MaintenanceResult endAborted() {
    Stage abortedAt = stage;
    runDetached(() -> restoreNode(null));
    setStage(Stage.COMPLETED);
    phase = Phase.Failed;
    lastError = "maintenance aborted by resume during " + abortedAt + " before the node was drained; node restored";
    touch();
    return new MaintenanceResult(stage, status());
  }

  private void endCancelled() {
    runDetached(() -> restoreNode(null));
    Phase before = phase;
    setStage(Stage.CANCELLED);
    phase = before == Phase.Succeeded ? Phase.Succeeded : Phase.Failed;
    lastError = "workflow cancelled; node restored";
    touch();
  }

  private TemporalFailure endFailed(TemporalFailure failure) {
    String why = message(failure);
    lastError = why;
    runDetached(() -> restoreNode(why));
    setStage(Stage.FAILED);
    lastError = why;
    touch();
    return failure;
  }

  /**
   * Undo the maintenance: stop renewing, cancel unfinished evacuations, restore the node (uncordon only if it was
   * schedulable before), emit the events, release the Lease. Safe to call at any point: it undoes only what was
   * started.
   *
   * @param failure why the maintenance failed, or null when it ends as the operator wanted
   */
  private void restoreNode(String failure) {
    if (leaseRenewal != null) {
      leaseRenewal.cancel();
    }
    if (drainStarted && stage != Stage.UNCORDONING) {
      evacuations.cancelEvacuations(new CancelEvacuationsRequest(nodeName));
    }
    if (cordonStarted) {
      boolean uncordon = !Boolean.TRUE.equals(wasUnschedulable);
      node.restoreNode(new RestoreNodeRequest(nodeName, workflowId, uncordon));
      if (failure != null) {
        emit(NodeEventReason.FailedMaintenance, "Node maintenance failed: " + failure, true);
      }
      if (uncordon) {
        emit(NodeEventReason.UncordonNode, "Node uncordoned by " + workflowId, false);
      }
      emit(NodeEventReason.RemovedMaintenance, "Node maintenance ended by " + workflowId, false);
    }
    if (leaseTaken) {
      lease.releaseLease(leaseRequest());
      leaseTaken = false;
    }
  }

  private static void runDetached(Runnable cleanup) {
    Workflow.newDetachedCancellationScope(cleanup).run();
  }

  // ---- the drain

  /** Acts on every pod of one pass in parallel; returns when each is gone or the pass failed. */
  private void runPass(List<Pod> todo) {
    List<Pod> ordered = longestChainsFirst(todo);
    List<Promise<Void>> work = new ArrayList<>();
    runningPodHandlers += todo.size();
    if (Workflow.getVersion(LAZY_POD_HANDLERS, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      for (Pod pod : ordered) {
        work.add(startHandler(pod));
      }
    } else if (Workflow.getVersion(BATCHED_EVICTIONS, Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION) {
      batchedEvictions = true;
      work.add(Async.procedure(() -> evictInBatches(ordered, work)));
    } else {
      // awaitAll sees the handlers the dispatcher adds: the dispatcher's own promise stays open until it added all.
      work.add(Async.procedure(() -> dispatchPods(ordered, work)));
    }
    work.add(Async.procedure(this::reapTerminatingPods));
    awaitAll(work);
  }

  /**
   * Starts each pod's handler once an eviction slot is free for it, in the given order, and hands the slot over.
   * A handler started early would be a workflow thread blocked on the semaphore, taken from the worker's workflow
   * thread pool (600 by default, shared by every maintenance it runs): one per pod exhausts it on large nodes, and
   * each is woken on every workflow task to re-check its condition. Pods the options refuse take no slot until
   * escalated, so they start at once.
   */
  private void dispatchPods(List<Pod> ordered, List<Promise<Void>> work) {
    for (Pod pod : ordered) {
      if (pod.action() == PodAction.REFUSE) {
        work.add(startHandler(pod));
      }
    }
    for (Pod pod : ordered) {
      if (pod.action() == PodAction.REFUSE) {
        continue;
      }
      evictionSlots.acquire();
      pod.holdsEvictionSlot = true;
      work.add(startHandler(pod));
    }
  }

  /**
   * The pass's evictions in evictPods activities, each pod's own follow-up (a blocked eviction's wait, a migration)
   * in a handler of its own. Refused pods show their blocker at once; finished pods are deleted afterwards through
   * the eviction slots, as before. Each pod counts as running until the batch answered for it, so the pods-gone
   * wait batches every pod the batch evicted into one call.
   */
  private void evictInBatches(List<Pod> ordered, List<Promise<Void>> work) {
    List<Pod> batch = new ArrayList<>();
    for (Pod pod : ordered) {
      if (pod.action() == PodAction.REFUSE) {
        work.add(startHandler(pod));
      } else if (pod.action() != PodAction.DELETE_FINISHED) {
        batch.add(pod);
      }
    }
    for (int from = 0; from < batch.size(); from += EVICTION_BATCH_SIZE) {
      evictBatch(batch.subList(from, Math.min(batch.size(), from + EVICTION_BATCH_SIZE)), work);
    }
    for (Pod pod : ordered) {
      if (pod.action() == PodAction.DELETE_FINISHED) {
        evictionSlots.acquire();
        pod.holdsEvictionSlot = true;
        work.add(startHandler(pod));
      }
    }
  }

  private void evictBatch(List<Pod> pods, List<Promise<Void>> work) {
    Map<PodRef, Pod> byRef = new LinkedHashMap<>();
    for (Pod pod : pods) {
      pod.state = PodState.EVICTING;
      byRef.put(pod.ref, pod);
    }
    touch();
    EvictionBatchResult result;
    try {
      result =
          drainActivities(QUICK, batchSummary(pods))
              .evictPods(
                  new EvictionBatchRequest(
                      nodeName,
                      List.copyOf(byRef.keySet()),
                      request.getGracePeriodSeconds(),
                      request.maxConcurrentEvictions()));
    } catch (ActivityFailure failure) {
      if (isCancellation(failure)) {
        throw failure;
      }
      // Per-pod failures come back in the result; a failed batch falls back to one eviction activity per pod.
      log.warn("batch eviction on node {} failed, evicting pod by pod: {}", nodeName, message(failure));
      for (Pod pod : pods) {
        work.add(startHandler(pod, () -> evict(pod)));
      }
      return;
    }
    for (PodEviction eviction : result.evictions()) {
      Pod pod = byRef.remove(eviction.pod());
      if (pod != null) {
        followBatched(pod, eviction, work);
      }
    }
    for (Pod pod : byRef.values()) { // not answered for: should not happen; evict it on its own
      work.add(startHandler(pod, () -> evict(pod)));
    }
    touch();
  }

  /** Names the first pods: the Web UI shows the summary in the timeline, the input has them all. */
  private static String batchSummary(List<Pod> pods) {
    String named = pods.stream().limit(BATCH_PODS_IN_SUMMARY).map(p -> p.ref.key()).collect(Collectors.joining(", "));
    int more = pods.size() - BATCH_PODS_IN_SUMMARY;
    return "evict " + pods.size() + " pod(s): " + named + (more > 0 ? " and " + more + " more" : "");
  }

  private void followBatched(Pod pod, PodEviction eviction, List<Promise<Void>> work) {
    EvictionResult result = eviction.result();
    if (result == null && eviction.retryable()) {
      work.add(startHandler(pod, () -> evict(pod))); // its own activity, retried by Temporal
    } else if (result == null) {
      block(pod, evictionError(pod, eviction.error()));
      work.add(startHandler(pod, () -> awaitEscalation(pod)));
    } else if (result.outcome() == EvictionOutcome.EVICTED
        || result.outcome() == EvictionOutcome.EVICTED_AND_GONE
        || result.outcome() == EvictionOutcome.ALREADY_GONE) {
      followOutcome(pod, result); // no waiting: no handler of its own
      runningPodHandlers--;
    } else {
      if (result.outcome() == EvictionOutcome.BLOCKED) {
        // Out of EVICTING before the pods-gone wait next looks: it starts once nothing is EVICTING, and it must
        // not wait for the blocked pod's handler to run (the recorded histories' command order depends on it).
        block(pod, result.blocker());
      }
      work.add(startHandler(pod, () -> followOutcome(pod, result)));
    }
  }

  private Promise<Void> startHandler(Pod pod) {
    return startHandler(pod, () -> handlePod(pod));
  }

  private Promise<Void> startHandler(Pod pod, Functions.Proc handler) {
    return Async.procedure(
        () -> {
          try {
            handler.apply();
          } finally {
            runningPodHandlers--;
            if (pod.holdsEvictionSlot) {
              pod.holdsEvictionSlot = false;
              evictionSlots.release();
            }
          }
        });
  }

  /**
   * The order in which pods take the eviction slots. Live migrations leave in waves of KubeVirt's per-node limit and
   * PDB-guarded pods one budget at a time: those chains decide when the node is empty, so they start first and
   * ordinary pods fill the remaining slots (bench/run measured the VMs of a 250-pod node starting 5-10 s late,
   * queued behind ordinary evictions in plan order). Runs started before this change keep plan order.
   */
  private static List<Pod> longestChainsFirst(List<Pod> todo) {
    int version = Workflow.getVersion(LONGEST_CHAINS_FIRST, Workflow.DEFAULT_VERSION, 1);
    if (version == Workflow.DEFAULT_VERSION) {
      return todo;
    }
    List<Pod> ordered = new ArrayList<>(todo);
    ordered.sort(Comparator.comparingInt(NodeMaintenanceWorkflowImpl::chainRank)); // stable: plan order within a rank
    return ordered;
  }

  private static int chainRank(Pod pod) {
    if (pod.action() == PodAction.MIGRATE_VM) {
      return 0;
    }
    return pod.plan.pdbs() == null || pod.plan.pdbs().isEmpty() ? 2 : 1;
  }

  /** Unlike Promise.allOf, sees a promise that failed before the call (sdk-java #2046), and fails fast. */
  private static void awaitAll(List<Promise<Void>> promises) {
    Workflow.await(
        () ->
            promises.stream().allMatch(Promise::isCompleted)
                || promises.stream().anyMatch(p -> p.isCompleted() && p.getFailure() != null));
    for (Promise<Void> p : promises) {
      if (p.isCompleted() && p.getFailure() != null) {
        throw p.getFailure();
      }
    }
  }

  private void handlePod(Pod pod) {
    switch (pod.action()) {
      case DELETE_FINISHED -> {
        withEvictionSlot(
            pod,
            () -> {
              drainActivities(QUICK, "delete finished pod " + pod.ref.key())
                  .deletePod(new DeletePodRequest(pod.ref, null, "finished pod (" + pod.plan.phase() + ")"));
              return null;
            });
        terminating(pod, "deleted (finished pod)");
      }
      case REFUSE -> {
        // A pod that arrived after validation and that the options refuse: only an escalation removes it.
        block(pod, new Blocker(pod.ref.key(), BlockerKind.EVICTION_ERROR, pod.plan.reason(), null, null, pod.vmKey(), 0));
        awaitEscalation(pod);
      }
      default -> evict(pod);
    }
  }

  private void evict(Pod pod) {
    pod.state = PodState.EVICTING;
    touch();
    EvictionResult result;
    try {
      result =
          withEvictionSlot(
              pod, () -> drainActivities(QUICK, "evict " + pod.ref.key()).evictPod(evictionRequest(pod, false)));
    } catch (ActivityFailure failure) {
      if (isCancellation(failure)) {
        throw failure;
      }
      block(pod, evictionError(pod, failure));
      awaitEscalation(pod);
      return;
    }
    followOutcome(pod, result);
  }

  private void followOutcome(Pod pod, EvictionResult result) {
    switch (result.outcome()) {
      case EVICTED -> evicted(pod);
      case EVICTED_AND_GONE -> {
        evicted(pod);
        gone(pod, "evicted");
      }
      case ALREADY_GONE -> gone(pod, "already gone");
      case EVACUATION_STARTED -> followMigration(pod);
      case BLOCKED -> {
        block(pod, result.blocker());
        waitWhileBlocked(pod);
      }
    }
  }

  /** The eviction waits in the activity for the blocker to allow it; outside the semaphore, since it only waits. */
  private void waitWhileBlocked(Pod pod) {
    while (true) {
      String summary = "evict " + pod.ref.key() + " (blocked: " + shortly(pod.blocker) + ")";
      EvictionResult result;
      try {
        result = escalatable(pod, () -> drainActivities(WAITING, summary).evictPod(evictionRequest(pod, true)));
      } catch (ActivityFailure failure) {
        if (isCancellation(failure)) {
          throw failure;
        }
        block(pod, evictionError(pod, failure));
        awaitEscalation(pod);
        return;
      }
      if (result == null) {
        return;
      }
      if (result.outcome() != EvictionOutcome.BLOCKED) {
        followOutcome(pod, result);
        return;
      }
      block(pod, result.blocker());
      if (escalatable(
              pod,
              () -> {
                Workflow.sleep(STILL_BLOCKED_PAUSE);
                return Boolean.TRUE;
              })
          == null) {
        return;
      }
    }
  }

  private void followMigration(Pod pod) {
    Vm vm = progress.vm(pod);
    pod.state = PodState.MIGRATING;
    pod.detail = "evacuation started";
    if (vm != null) {
      vm.state = VmState.MIGRATING;
      vm.detail = "evacuation started";
    }
    touch();
    String vmKey = pod.vmKey() != null ? pod.vmKey() : pod.ref.key();
    String vmi = pod.plan.vm() != null ? pod.plan.vm().vmiName() : pod.ref.name();
    String vmNamespace = pod.plan.vm() != null ? pod.plan.vm().namespace() : pod.ref.namespace();
    MigrationRequest migration =
        batchedEvictions
            ? new MigrationRequest(vmNamespace, vmi, nodeName, true, pod.ref, AWAIT_GONE_SECONDS)
            : new MigrationRequest(vmNamespace, vmi, nodeName, true);
    int failuresInARow = 0;
    while (true) {
      String summary =
          vm == null || vm.failedMigrations == 0
              ? "migrate vm " + vmKey
              : "migrate vm " + vmKey + " (after " + vm.failedMigrations + " failed migrations)";
      MigrationResult result =
          escalatable(
              pod,
              () ->
                  vmActivities(summary).awaitMigration(migration));
      if (result == null) {
        return;
      }
      switch (result.outcome()) {
        case MIGRATED -> {
          if (vm != null) {
            vm.state = VmState.MIGRATED;
            vm.targetNode = result.targetNode();
            vm.migrationPhase = "Succeeded";
            vm.failedMigrations = Math.max(vm.failedMigrations, result.failedMigrations());
            vm.detail = "runs on " + result.targetNode();
          }
          terminating(pod, "VM migrated to " + result.targetNode());
          if (result.sourcePodGone()) {
            gone(pod, "VM migrated to " + result.targetNode());
          }
          return;
        }
        case VMI_GONE -> {
          if (vm != null) {
            vm.state = VmState.SHUT_DOWN;
            vm.detail = "the VMI was deleted or shut down during the evacuation";
          }
          terminating(pod, "VMI gone");
          return;
        }
        case MIGRATION_FAILED -> {
          String why =
              "live migration " + result.migrationName() + " failed: " + result.message() + " (KubeVirt retries it)";
          if (vm != null) {
            vm.failedMigrations = Math.max(vm.failedMigrations + 1, result.failedMigrations());
            vm.migrationPhase = "Failed";
          }
          block(pod, new Blocker(pod.ref.key(), BlockerKind.MIGRATION_FAILED, why, null, null, vmKey, 0));
          pod.state = PodState.MIGRATING;
          if (vm != null) {
            vm.state = VmState.MIGRATING;
          }
          touch();
          // The next call may find the same failed migration at once: pause, longer each time, so a VM that keeps
          // failing costs a few events every few minutes rather than a hot loop.
          failuresInARow++;
          Duration pause = migrationRetryPause(failuresInARow);
          String timerSummary = "watch migration of vm " + vmKey + " again after " + pause.toSeconds() + " s";
          Boolean waited =
              escalatable(
                  pod,
                  () -> {
                    Workflow.newTimer(pause, summary(timerSummary)).get();
                    return Boolean.TRUE;
                  });
          if (waited == null) {
            return;
          }
        }
      }
    }
  }

  /**
   * Runs a wait that an {@code escalate} signal may interrupt. Returns its result, or null when the pod was
   * escalated: then it has been deleted.
   */
  private <T> T escalatable(Pod pod, Functions.Func<T> wait) {
    if (pod.escalated) {
      forceDelete(pod);
      return null;
    }
    List<T> result = new ArrayList<>(1);
    CancellationScope scope = Workflow.newCancellationScope(() -> result.add(wait.apply()));
    pod.waitScope = scope;
    try {
      scope.run();
    } catch (TemporalFailure failure) {
      boolean escalation = pod.escalated && isCancellation(failure) && !CancellationScope.current().isCancelRequested();
      if (!escalation) {
        throw failure;
      }
      forceDelete(pod);
      return null;
    } finally {
      pod.waitScope = null;
    }
    return result.get(0);
  }

  private void awaitEscalation(Pod pod) {
    Workflow.await(() -> pod.escalated);
    forceDelete(pod);
  }

  private void forceDelete(Pod pod) {
    String reason = pod.escalateReason == null || pod.escalateReason.isBlank() ? "operator" : pod.escalateReason;
    withEvictionSlot(
        pod,
        () -> {
          drainActivities(QUICK, "delete " + pod.ref.key() + " (escalated: " + reason + ")")
              .deletePod(new DeletePodRequest(pod.ref, request.getGracePeriodSeconds(), "escalated: " + reason));
          return null;
        });
    Vm vm = progress.vm(pod);
    if (vm != null) {
      vm.state = VmState.FORCE_STOPPED;
      vm.detail = "deleted by escalation: " + reason;
    }
    terminating(pod, "deleted by escalation: " + reason);
  }

  /** One awaitPodsGone at a time for every terminating pod, until the pass has nothing left to wait for. */
  private void reapTerminatingPods() {
    int reportAfter = PODS_GONE_REPORT_SECONDS;
    while (true) {
      // Waiting for the eviction calls in flight to return first batches their pods into the same call: one
      // awaitPodsGone per eviction wave rather than one per pod keeps the history small.
      Workflow.await(
          () ->
              runningPodHandlers == 0
                  || (!progress.inState(PodState.TERMINATING).isEmpty()
                      && progress.inState(PodState.EVICTING).isEmpty()
                      && progress.inState(PodState.PENDING).isEmpty()));
      List<Pod> terminating = progress.inState(PodState.TERMINATING);
      if (terminating.isEmpty()) {
        return;
      }
      List<PodRef> refs = terminating.stream().map(p -> p.ref).toList();
      PodsGoneResult result =
          drainActivities(WAITING, "await " + refs.size() + " pod(s) gone")
              .awaitPodsGone(new AwaitPodsGoneRequest(nodeName, refs, reportAfter));
      // A pod stuck terminating (a finalizer, a dead kubelet) must not cost 6 events every 10 s for days: report
      // less often while nothing goes, and quickly again once pods move.
      reportAfter =
          result.gone().isEmpty() ? Math.min(reportAfter * 2, PODS_GONE_MAX_REPORT_SECONDS) : PODS_GONE_REPORT_SECONDS;
      for (PodRef goneRef : result.gone()) {
        for (Pod pod : terminating) {
          if (pod.ref.equals(goneRef)) {
            gone(pod, "gone");
          }
        }
      }
      touch();
    }
  }

  private void watchDeadline() {
    while (true) {
      int generation = deadlineGeneration;
      Duration left = Duration.ofMillis(Math.max(0, drainDeadlineMillis - Workflow.currentTimeMillis()));
      CancellationScope timerScope =
          Workflow.newCancellationScope(() -> deadlineTimer = Workflow.newTimer(left, summary("drain deadline")));
      timerScope.run();
      Promise<Void> timer = deadlineTimer;
      Workflow.await(() -> timer.isCompleted() || generation != deadlineGeneration);
      if (generation != deadlineGeneration) {
        timerScope.cancel();
        continue;
      }
      enterDrainBlocked();
      Workflow.await(() -> generation != deadlineGeneration);
    }
  }

  private void enterDrainBlocked() {
    setStage(Stage.DRAIN_BLOCKED);
    awaitingOperator = true;
    touch();
  }

  /** What keeps the drain from finishing, as of now: kept current while DRAIN_BLOCKED lasts. */
  private String drainBlockedError() {
    List<Pod> left = progress.pending();
    String which =
        left.stream()
            .map(p -> p.ref.key() + " (" + (p.blocker != null ? p.blocker.message() : p.state.name().toLowerCase()) + ")")
            .collect(Collectors.joining("; "));
    return "drain deadline passed with "
        + left.size()
        + " pod(s) still on the node: "
        + which
        + ". Signal escalate to delete the blocking pods, extendDrainDeadline for more time, or resume to end the"
        + " maintenance";
  }

  // ---- pod and VM state

  private void block(Pod pod, Blocker reported) {
    Blocker blocker =
        reported != null
            ? reported
            : new Blocker(pod.ref.key(), BlockerKind.EVICTION_ERROR, "eviction refused", null, null, pod.vmKey(), 0);
    long since =
        pod.blocker != null && pod.blocker.kind() == blocker.kind() ? pod.blocker.since() : Workflow.currentTimeMillis();
    pod.blocker =
        new Blocker(
            pod.ref.key(),
            blocker.kind(),
            blocker.message(),
            blocker.pdb(),
            blocker.disruptionsAllowed(),
            blocker.vm() != null ? blocker.vm() : pod.vmKey(),
            since);
    pod.state = PodState.BLOCKED;
    pod.detail = blocker.message();
    Vm vm = progress.vm(pod);
    if (vm != null) {
      vm.state = VmState.BLOCKED;
      vm.detail = blocker.message();
    }
    touch();
  }

  private void evicted(Pod pod) {
    Vm vm = progress.vm(pod);
    if (vm != null) {
      // An accepted eviction of a virt-launcher pod shuts the VM down (no evacuation was started).
      vm.state = VmState.SHUT_DOWN;
      vm.detail =
          vm.plan.restartExpected()
              ? "shut down; KubeVirt starts it elsewhere (runStrategy " + vm.plan.runStrategy() + ")"
              : "shut down; stays off (runStrategy " + vm.plan.runStrategy() + ")";
    }
    terminating(pod, "evicted");
  }

  private void terminating(Pod pod, String detail) {
    pod.blocker = null;
    pod.state = PodState.TERMINATING;
    pod.detail = detail;
    touch();
  }

  private void gone(Pod pod, String detail) {
    pod.blocker = null;
    pod.state = PodState.GONE;
    pod.detail = detail;
  }

  private Blocker evictionError(Pod pod, ActivityFailure failure) {
    return evictionError(pod, message(failure));
  }

  private Blocker evictionError(Pod pod, String why) {
    return new Blocker(
        pod.ref.key(),
        BlockerKind.EVICTION_ERROR,
        "eviction failed: " + why + "; escalate to delete the pod",
        null,
        null,
        pod.vmKey(),
        0);
  }

  // ---- signals and query

  @Override
  public void resume() {
    if (resumeRequested) {
      return;
    }
    resumeRequested = true;
    if (mainScope != null && stage.ordinal() < Stage.AWAITING_RESUME.ordinal()) {
      mainScope.cancel("resume: the operator ended the maintenance during " + stage);
    }
    log.info("resume of node {} during {}", nodeName, stage);
  }

  @Override
  public void escalate(EscalateRequest escalation) {
    if (stage != Stage.DRAINING && stage != Stage.DRAIN_BLOCKED) {
      log.warn("escalate ignored: node {} is not draining (stage {})", nodeName, stage);
      return;
    }
    String reason = escalation == null ? null : escalation.reason();
    List<String> names = escalation == null ? null : escalation.pods();
    List<Pod> targets;
    if (names == null || names.isEmpty()) {
      targets = progress.blocked();
    } else {
      targets = names.stream().map(progress::find).filter(Objects::nonNull).toList();
      if (targets.size() < names.size()) {
        log.warn("escalate: some of {} are not pods still to drain on node {}", names, nodeName);
      }
    }
    for (Pod pod : targets) {
      pod.escalated = true;
      pod.escalateReason = reason;
      if (pod.waitScope != null) {
        pod.waitScope.cancel("escalated: " + reason);
      }
    }
    touch();
  }

  @Override
  public void extendDrainDeadline(ExtendDeadlineRequest extension) {
    if (stage != Stage.DRAINING && stage != Stage.DRAIN_BLOCKED) {
      log.warn("extendDrainDeadline ignored: node {} is not draining (stage {})", nodeName, stage);
      return;
    }
    if (extension == null
        || extension.extendBy() == null
        || extension.extendBy().isNegative()
        || extension.extendBy().isZero()) {
      log.warn("extendDrainDeadline ignored: extendBy must be a positive duration");
      return;
    }
    drainDeadlineMillis = Workflow.currentTimeMillis() + extension.extendBy().toMillis();
    deadlineGeneration++;
    if (stage == Stage.DRAIN_BLOCKED) {
      setStage(Stage.DRAINING);
      awaitingOperator = false;
      lastError = null;
    }
    touch();
  }

  @Override
  public MaintenanceStatus status() {
    List<Pod> pending = progress.pending();
    boolean draining = stage == Stage.DRAINING || stage == Stage.DRAIN_BLOCKED;
    return new MaintenanceStatus(
        nodeName,
        request == null ? null : request.getReason(),
        stage,
        phase,
        progress.totalPods(),
        progress.evictionPods(),
        pending.stream().map(p -> p.ref.name()).toList(),
        pending.stream().map(p -> p.ref.key()).toList(),
        progress.drainProgress(),
        lastError,
        lastUpdate,
        errorOnLeaseCount,
        wasUnschedulable,
        draining && drainDeadlineMillis != null ? rfc3339(drainDeadlineMillis) : null,
        awaitingOperator,
        progress.podProgress(),
        progress.vmProgress(),
        progress.blockers());
  }

  // ---- helpers

  private void setStage(Stage next) {
    stage = next;
    phase =
        switch (next) {
          case VALIDATING, CORDONING, DRAINING, DRAIN_BLOCKED -> Phase.Running;
          case AWAITING_RESUME, UNCORDONING, COMPLETED -> Phase.Succeeded;
          case FAILED, CANCELLED -> Phase.Failed;
        };
    touch();
  }

  /** Every change of the status goes through here: lastUpdate and the Web UI's current details follow it. */
  private void touch() {
    lastUpdate = rfc3339(Workflow.currentTimeMillis());
    if (stage == Stage.DRAIN_BLOCKED) {
      lastError = drainBlockedError();
    }
    Workflow.setCurrentDetails(details());
  }

  private String details() {
    StringBuilder md = new StringBuilder();
    md.append("**").append(stage).append("** node `").append(nodeName).append("` (phase ").append(phase).append(")\n\n");
    int toEvict = progress.evictionPods();
    if (toEvict > 0 || stage.ordinal() >= Stage.DRAINING.ordinal()) {
      md.append("Progress: ")
          .append(progress.gone())
          .append('/')
          .append(toEvict)
          .append(" pods gone (")
          .append(progress.drainProgress())
          .append("%)\n\n");
    }
    List<Pod> blocked = progress.blocked();
    if (!blocked.isEmpty()) {
      md.append("Blockers:\n");
      blocked.stream()
          .limit(BLOCKERS_IN_DETAILS)
          .forEach(p -> md.append("- `").append(p.ref.key()).append("`: ").append(p.blocker.message()).append('\n'));
      if (blocked.size() > BLOCKERS_IN_DETAILS) {
        md.append("- and ").append(blocked.size() - BLOCKERS_IN_DETAILS).append(" more\n");
      }
    }
    if (lastError != null) {
      md.append("\nLast error: ").append(lastError).append('\n');
    }
    return md.toString();
  }

  private void startLeaseRenewal() {
    // Detached: a resume cancels the main scope, but the Lease must stay ours until cleanup releases it.
    leaseRenewal = Workflow.newDetachedCancellationScope(() -> Async.procedure(this::renewLeaseUntilCancelled));
    leaseRenewal.run();
  }

  private void renewLeaseUntilCancelled() {
    Duration every = Duration.ofSeconds(LEASE_DURATION_SECONDS / 3);
    while (true) {
      // A timer in a cancellable scope, not Workflow.await(timeout): that one leaves a durable timer behind.
      Workflow.newTimer(every, summary("renew lease")).get();
      try {
        lease.renewLease(leaseRequest());
      } catch (ActivityFailure failure) {
        if (isCancellation(failure)) {
          throw failure;
        }
        errorOnLeaseCount++;
        lastError = "could not renew the maintenance lease of node '" + nodeName + "': " + message(failure);
        touch();
      }
    }
  }

  /** Runs an API call that counts against maxConcurrentEvictions; uses the slot the dispatcher gave the pod, if any. */
  private <T> T withEvictionSlot(Pod pod, Functions.Func<T> call) {
    if (pod.holdsEvictionSlot) {
      pod.holdsEvictionSlot = false;
    } else {
      evictionSlots.acquire();
    }
    try {
      return call.apply();
    } finally {
      evictionSlots.release();
    }
  }

  /**
   * Events tell the story in {@code kubectl describe node}; the maintenance does not depend on them. An event the
   * API refuses for good is logged and skipped, so it can never keep cleanup from restoring the node.
   */
  private void emit(NodeEventReason reason, String message, boolean warning) {
    String dedupKey = workflowId + "." + Workflow.getInfo().getRunId() + "." + reason.name().toLowerCase();
    try {
      node.emitNodeEvent(new NodeEventRequest(nodeName, reason, message, warning, dedupKey));
    } catch (ActivityFailure failure) {
      if (isCancellation(failure)) {
        throw failure;
      }
      log.warn("event {} on node {} not emitted: {}", reason, nodeName, message(failure));
    }
  }

  private static DrainActivities drainActivities(ActivityOptions options, String summary) {
    return Workflow.newActivityStub(DrainActivities.class, options.toBuilder().setSummary(summary).build());
  }

  private static VirtualMachineActivities vmActivities(String summary) {
    return Workflow.newActivityStub(
        VirtualMachineActivities.class, WAITING.toBuilder().setSummary(summary).build());
  }

  private static TimerOptions summary(String summary) {
    return TimerOptions.newBuilder().setSummary(summary).build();
  }

  private EvictionRequest evictionRequest(Pod pod, boolean waitWhileBlocked) {
    int awaitGone = waitWhileBlocked && batchedEvictions ? AWAIT_GONE_SECONDS : 0;
    return new EvictionRequest(pod.ref, nodeName, request.getGracePeriodSeconds(), waitWhileBlocked, awaitGone);
  }

  private LeaseRequest leaseRequest() {
    return new LeaseRequest(nodeName, workflowId, LEASE_DURATION_SECONDS);
  }

  private DrainPlanRequest planRequest() {
    return new DrainPlanRequest(nodeName, request.deleteEmptyDirData(), request.ignoreDaemonSets(), request.force());
  }

  private String reasonSuffix() {
    return request.getReason() == null || request.getReason().isBlank() ? "" : ": " + request.getReason();
  }

  static Duration migrationRetryPause(int failuresInARow) {
    long seconds = MIGRATION_RETRY_PAUSE.toSeconds() << Math.min(failuresInARow - 1, 5);
    return Duration.ofSeconds(Math.min(seconds, MIGRATION_RETRY_MAX_PAUSE.toSeconds()));
  }

  private static String shortly(Blocker blocker) {
    if (blocker == null) {
      return "refused";
    }
    return switch (blocker.kind()) {
      case POD_DISRUPTION_BUDGET -> "PDB " + blocker.pdb();
      case MULTIPLE_PDBS -> "several PDBs";
      case VM_NOT_MIGRATABLE -> "VM not migratable";
      case VM_EXTERNAL_EVACUATION -> "VM evacuated externally";
      case MIGRATION_FAILED -> "migration failed";
      case EVICTION_ERROR -> "eviction error";
    };
  }

  private static boolean isCancellation(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof CanceledFailure) {
        return true;
      }
    }
    return false;
  }

  private static String failureType(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure application) {
        return application.getType();
      }
    }
    return null;
  }

  /** The innermost application message: what the activity said, not Temporal's wrapping. */
  private static String message(Throwable failure) {
    String message = failure.getMessage();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof TemporalFailure temporal && temporal.getOriginalMessage() != null) {
        message = temporal.getOriginalMessage();
      }
    }
    return message;
  }

  private static String rfc3339(long epochMillis) {
    return Instant.ofEpochMilli(epochMillis).toString();
  }
}
