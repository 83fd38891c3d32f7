package dev.runbook.workflows;

import dev.runbook.workflows.activities.AwaitPodsGoneRequest;
import dev.runbook.workflows.activities.CancelEvacuationsRequest;
import dev.runbook.workflows.activities.CordonRequest;
import dev.runbook.workflows.activities.CordonResult;
import dev.runbook.workflows.activities.DeletePodRequest;
import dev.runbook.workflows.activities.DrainActivities;
import dev.runbook.workflows.activities.DrainPlan;
import dev.runbook.workflows.activities.DrainPlanRequest;
import dev.runbook.workflows.activities.EvictionBatchRequest;
import dev.runbook.workflows.activities.EvictionBatchResult;
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
import dev.runbook.workflows.activities.PlannedPod;
import dev.runbook.workflows.activities.PlannedVm;
import dev.runbook.workflows.activities.PodAction;
import dev.runbook.workflows.activities.PodsGoneResult;
import dev.runbook.workflows.activities.RestoreNodeRequest;
import dev.runbook.workflows.activities.VirtualMachineActivities;
import dev.runbook.workflows.model.Blocker;
import dev.runbook.workflows.model.BlockerKind;
import dev.runbook.workflows.model.PodRef;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny cluster of one node behind the activity interfaces: enough state (the node, its pods, PDB budgets, VMs,
 * the Lease) for the workflow to see the effects of its own calls. Every call is logged in order.
 *
 * <p>Waiting calls (a blocked eviction with {@code waitWhileBlocked}) poll the state every few milliseconds and
 * heartbeat, so a cancellation reaches them like it would reach the real activity.
 */
public class FakeCluster implements NodeActivities, LeaseActivities, DrainActivities, VirtualMachineActivities {
  public static final String NODE = "worker-1";

  public static final class FakePod {
    final PodRef ref;
    final PodAction action;
    volatile String pdb;
    volatile PlannedVm vm;
    volatile String reason = "managed pod";

    FakePod(PodRef ref, PodAction action) {
      this.ref = ref;
      this.action = action;
    }

    public FakePod withPdb(String pdb) {
      this.pdb = pdb;
      return this;
    }

    public FakePod withVm(PlannedVm vm) {
      this.vm = vm;
      return this;
    }

    public FakePod withReason(String reason) {
      this.reason = reason;
      return this;
    }
  }

  final List<String> calls = new CopyOnWriteArrayList<>();
  final List<NodeEventReason> events = new CopyOnWriteArrayList<>();
  private final Map<String, FakePod> pods = new LinkedHashMap<>();
  private final Map<String, AtomicInteger> pdbBudgets = new LinkedHashMap<>();
  private final AtomicInteger uids = new AtomicInteger();

  volatile boolean nodeExists = true;
  volatile boolean unschedulable;
  volatile boolean drainTaint;
  volatile String owner;
  volatile String leaseHolder;
  /** Pods (namespace/name) whose eviction the API server refuses for good (403, ApiRefused). */
  final java.util.Set<String> evictionForbidden = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Evictions that fail with a retryable ApiUnavailable before the API answers again. */
  final AtomicInteger evictionOutages = new AtomicInteger();
  /** Set when the test ends: waits still running (abandoned by a TRY_CANCEL cancellation) give up. */
  volatile boolean closed;
  /** Pods (namespace/name) that come back once under the same name with a new UID, as a StatefulSet does. */
  final java.util.Set<String> recreatedOnce = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Pods (namespace/name) that, once evicted, stay terminating until {@link #finishTermination}. */
  final java.util.Set<String> stuckTerminating = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** The API server refuses the cordon for good (403). */
  volatile boolean cordonRefused;
  /** Lease renewals fail with LeaseHeld: someone took the Lease over. */
  volatile boolean leaseTakenOver;
  /** Failed live migrations each VM goes through before one succeeds. */
  final AtomicInteger migrationFailures = new AtomicInteger();

  public synchronized FakePod addPod(String namespace, String name, PodAction action) {
    FakePod pod = new FakePod(new PodRef(namespace, name, "uid-" + uids.incrementAndGet()), action);
    pods.put(pod.ref.key(), pod);
    return pod;
  }

  public synchronized void setPdbBudget(String pdb, int disruptionsAllowed) {
    pdbBudgets.computeIfAbsent(pdb, k -> new AtomicInteger()).set(disruptionsAllowed);
  }

  public synchronized void finishTermination(String key) {
    stuckTerminating.remove(key);
    pods.remove(key);
  }

  public synchronized boolean hasPod(String key) {
    return pods.containsKey(key);
  }

  public static PlannedVm vm(String namespace, String name, String evictionStrategy, boolean migratable) {
    return new PlannedVm(
        namespace, name, name, evictionStrategy, "Always", migratable, migratable ? null : "DisksNotLiveMigratable");
  }

  List<String> callsStartingWith(String prefix) {
    return calls.stream().filter(c -> c.startsWith(prefix)).toList();
  }

  // ---- NodeActivities

  @Override
  public NodeSnapshot getNode(String nodeName) {
    calls.add("getNode");
    return new NodeSnapshot(nodeName, nodeExists, unschedulable, drainTaint, owner, List.of());
  }

  @Override
  public synchronized CordonResult cordon(CordonRequest request) {
    calls.add("cordon");
    if (cordonRefused) {
      throw ApplicationFailure.newNonRetryableFailure(
          "nodes \"" + request.nodeName() + "\" is forbidden: cannot patch", Failures.API_REFUSED);
    }
    boolean was = owner != null ? false : unschedulable;
    unschedulable = true;
    drainTaint = true;
    owner = request.workflowId();
    return new CordonResult(was);
  }

  @Override
  public synchronized void restoreNode(RestoreNodeRequest request) {
    calls.add("restoreNode uncordon=" + request.uncordon());
    if (request.uncordon()) {
      unschedulable = false;
    }
    drainTaint = false;
    owner = null;
  }

  @Override
  public void emitNodeEvent(NodeEventRequest request) {
    calls.add("event " + request.reason());
    events.add(request.reason());
  }

  // ---- LeaseActivities

  @Override
  public synchronized void acquireLease(LeaseRequest request) {
    calls.add("acquireLease");
    if (leaseHolder != null && !leaseHolder.equals(request.holderIdentity())) {
      throw ApplicationFailure.newNonRetryableFailure(
          "lease of node " + request.nodeName() + " is held by " + leaseHolder, Failures.LEASE_HELD);
    }
    leaseHolder = request.holderIdentity();
  }

  @Override
  public synchronized void renewLease(LeaseRequest request) {
    calls.add("renewLease");
    if (leaseTakenOver) {
      throw ApplicationFailure.newNonRetryableFailure(
          "lease of node " + request.nodeName() + " was taken over by another-operator", Failures.LEASE_HELD);
    }
    acquireLease(request);
  }

  @Override
  public synchronized void releaseLease(LeaseRequest request) {
    calls.add("releaseLease");
    if (request.holderIdentity().equals(leaseHolder)) {
      leaseHolder = null;
    }
  }

  // ---- DrainActivities

  @Override
  public synchronized DrainPlan planDrain(DrainPlanRequest request) {
    calls.add("planDrain");
    List<PlannedPod> planned = new ArrayList<>();
    for (FakePod pod : pods.values()) {
      planned.add(
          new PlannedPod(
              pod.ref,
              "ReplicaSet/" + pod.ref.name(),
              pod.action == PodAction.DELETE_FINISHED ? "Succeeded" : "Running",
              false,
              pod.pdb == null ? List.of() : List.of(pod.pdb),
              pod.vm,
              pod.action,
              pod.reason));
    }
    return new DrainPlan(request.nodeName(), planned);
  }

  @Override
  public EvictionResult evictPod(EvictionRequest request) {
    calls.add("evictPod " + request.pod().key() + (request.waitWhileBlocked() ? " wait" : ""));
    if (evictionOutages.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw ApplicationFailure.newFailure("the API server is unavailable (503)", Failures.API_UNAVAILABLE);
    }
    if (evictionForbidden.contains(request.pod().key())) {
      throw ApplicationFailure.newNonRetryableFailure(forbidden(request.pod()), Failures.API_REFUSED);
    }
    if (!request.waitWhileBlocked()) {
      return goneWithin(request, tryEvict(request.pod()));
    }
    while (true) {
      EvictionResult result = tryEvict(request.pod());
      if (result.outcome() != EvictionOutcome.BLOCKED || !request.waitWhileBlocked()) {
        return goneWithin(request, result);
      }
      Activity.getExecutionContext().heartbeat(result.blocker().message());
      if (closed) {
        throw new IllegalStateException("test over");
      }
      pause();
    }
  }

  /** Each pod is logged as one {@code evictPod} attempt, as the real batch makes one attempt per pod. */
  @Override
  public EvictionBatchResult evictPods(EvictionBatchRequest request) {
    calls.add("batch of " + request.pods().size() + " evictions, parallelism " + request.parallelism());
    List<EvictionBatchResult.PodEviction> results = new ArrayList<>();
    for (PodRef ref : request.pods()) {
      calls.add("evictPod " + ref.key());
      if (evictionForbidden.contains(ref.key())) {
        results.add(new EvictionBatchResult.PodEviction(ref, null, forbidden(ref), false));
      } else if (evictionOutages.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        results.add(new EvictionBatchResult.PodEviction(ref, null, "the API server is unavailable (503)", true));
      } else {
        results.add(new EvictionBatchResult.PodEviction(ref, tryEvict(ref), null, false));
      }
    }
    return new EvictionBatchResult(results);
  }

  private static String forbidden(PodRef ref) {
    return "pods \"" + ref.name() + "\" is forbidden: evictions are not allowed in namespace " + ref.namespace();
  }

  /** Evicted pods leave at once here, unless stuck terminating. */
  private synchronized EvictionResult goneWithin(EvictionRequest request, EvictionResult result) {
    if (request.awaitGoneSeconds() > 0
        && result.outcome() == EvictionOutcome.EVICTED
        && !pods.containsKey(request.pod().key())) {
      return new EvictionResult(EvictionOutcome.EVICTED_AND_GONE, null);
    }
    return result;
  }

  private synchronized EvictionResult tryEvict(PodRef ref) {
    FakePod pod = pods.get(ref.key());
    if (pod == null || !pod.ref.uid().equals(ref.uid())) {
      return new EvictionResult(EvictionOutcome.ALREADY_GONE, null);
    }
    if (pod.action == PodAction.VM_BLOCKED) {
      String vm = pod.vm.key();
      return new EvictionResult(
          EvictionOutcome.BLOCKED,
          new Blocker(
              ref.key(),
              BlockerKind.VM_NOT_MIGRATABLE,
              "VMI " + vm + " is not live-migratable: " + pod.vm.notMigratableReason(),
              null,
              null,
              vm,
              0));
    }
    if (pod.pdb != null) {
      AtomicInteger budget = pdbBudgets.computeIfAbsent(pod.pdb, k -> new AtomicInteger());
      if (budget.get() <= 0) {
        return new EvictionResult(
            EvictionOutcome.BLOCKED,
            new Blocker(
                ref.key(),
                BlockerKind.POD_DISRUPTION_BUDGET,
                "PDB " + pod.pdb + " allows 0 disruptions",
                pod.pdb,
                0,
                null,
                0));
      }
      budget.decrementAndGet();
    }
    if (pod.action == PodAction.MIGRATE_VM) {
      return new EvictionResult(EvictionOutcome.EVACUATION_STARTED, null);
    }
    if (stuckTerminating.contains(ref.key())) {
      return new EvictionResult(EvictionOutcome.EVICTED, null);
    }
    pods.remove(ref.key());
    if (recreatedOnce.remove(ref.key())) {
      FakePod again = new FakePod(new PodRef(ref.namespace(), ref.name(), "uid-" + uids.incrementAndGet()), pod.action);
      pods.put(ref.key(), again);
    }
    return new EvictionResult(EvictionOutcome.EVICTED, null);
  }

  @Override
  public synchronized void deletePod(DeletePodRequest request) {
    calls.add("deletePod " + request.pod().key() + " (" + request.reason() + ")");
    FakePod pod = pods.get(request.pod().key());
    if (pod != null && pod.ref.uid().equals(request.pod().uid())) {
      pods.remove(request.pod().key());
    }
  }

  @Override
  public synchronized PodsGoneResult awaitPodsGone(AwaitPodsGoneRequest request) {
    calls.add("awaitPodsGone " + request.pods().size() + " after=" + request.returnAfterSeconds());
    pause();
    List<PodRef> gone = new ArrayList<>();
    List<PodRef> remaining = new ArrayList<>();
    for (PodRef ref : request.pods()) {
      FakePod pod = pods.get(ref.key());
      if (pod == null || !pod.ref.uid().equals(ref.uid())) {
        gone.add(ref);
      } else {
        remaining.add(ref);
      }
    }
    return new PodsGoneResult(gone, remaining);
  }

  // ---- VirtualMachineActivities

  @Override
  public synchronized MigrationResult awaitMigration(MigrationRequest request) {
    calls.add("awaitMigration " + request.namespace() + "/" + request.vmiName());
    if (migrationFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return new MigrationResult(
          MigrationResult.Outcome.MIGRATION_FAILED, null, "migration-1", "target pod failed to start", 1);
    }
    pods.values().removeIf(p -> p.vm != null && p.vm.vmiName().equals(request.vmiName()));
    boolean sourceGone = request.sourcePod() != null && request.awaitSourceGoneSeconds() > 0;
    return new MigrationResult(MigrationResult.Outcome.MIGRATED, "worker-2", "migration-2", null, 0, sourceGone);
  }

  @Override
  public int cancelEvacuations(CancelEvacuationsRequest request) {
    calls.add("cancelEvacuations");
    return 0;
  }

  private static void pause() {
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
