package dev.runbook.workflows;

import static dev.runbook.workflows.FakeCluster.NODE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.workflows.activities.Failures;
import dev.runbook.workflows.activities.NodeEventReason;
import dev.runbook.workflows.activities.PodAction;
import dev.runbook.workflows.model.Blocker;
import dev.runbook.workflows.model.BlockerKind;
import dev.runbook.workflows.model.EscalateRequest;
import dev.runbook.workflows.model.ExtendDeadlineRequest;
import dev.runbook.workflows.model.MaintenanceRequest;
import dev.runbook.workflows.model.MaintenanceResult;
import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.Phase;
import dev.runbook.workflows.model.PodProgress;
import dev.runbook.workflows.model.PodState;
import dev.runbook.workflows.model.Stage;
import dev.runbook.workflows.model.VmProgress;
import dev.runbook.workflows.model.VmState;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The runbook's lifecycle rules, one test each, against a fake cluster and the time-skipping test service. */
class NodeMaintenanceWorkflowTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  final FakeCluster cluster = new FakeCluster();

  @RegisterExtension
  final TestWorkflowExtension temporal =
      Scenarios.workflowOn(cluster)
          .build();

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private WorkflowOptions options;

  @BeforeEach
  void connect(TestWorkflowEnvironment env, WorkflowClient client, WorkflowOptions options) {
    this.env = env;
    this.client = client;
    this.options = options.toBuilder().setWorkflowId(NodeMaintenanceWorkflow.workflowId(NODE)).build();
  }

  @AfterEach
  void stopAbandonedWaits() {
    cluster.closed = true;
  }

  @Test
  @DisplayName("cordons, evicts every pod, waits for resume, then uncordons and releases the lease")
  void happyPath() {
    cluster.addPod("default", "web-1", PodAction.EVICT);
    cluster.addPod("kube-system", "node-exporter-x", PodAction.SKIP_DAEMONSET);
    cluster.addPod("batch", "report-done", PodAction.DELETE_FINISHED);
    cluster
        .addPod("vms", "virt-launcher-fedora-1-abcde", PodAction.MIGRATE_VM)
        .withVm(FakeCluster.vm("vms", "fedora-1", "LiveMigrate", true));

    NodeMaintenanceWorkflow maintenance = start(MaintenanceRequest.forNode(NODE, "firmware upgrade"));
    MaintenanceStatus drained = awaitStatus(maintenance, s -> s.stage() == Stage.AWAITING_RESUME);

    assertEquals(Phase.Succeeded, drained.phase());
    assertEquals(4, drained.totalpods());
    assertEquals(3, drained.evictionPods());
    assertEquals(100, drained.drainProgress());
    assertEquals(List.of(), drained.pendingPods());
    assertEquals(PodState.SKIPPED, pod(drained, "kube-system/node-exporter-x").state());
    assertEquals(PodState.GONE, pod(drained, "default/web-1").state());
    VmProgress vm = drained.vms().get(0);
    assertEquals(VmState.MIGRATED, vm.state());
    assertEquals("worker-2", vm.targetNode());
    assertTrue(cluster.unschedulable, "the node stays cordoned while in maintenance");
    assertEquals(NodeMaintenanceWorkflow.workflowId(NODE), cluster.leaseHolder);
    assertTrue(cluster.hasPod("kube-system/node-exporter-x"), "DaemonSet pods are left alone");

    maintenance.resume();
    MaintenanceResult result = result(maintenance);

    assertEquals(Stage.COMPLETED, result.stage());
    assertEquals(Phase.Succeeded, result.status().phase());
    assertFalse(cluster.unschedulable);
    assertFalse(cluster.drainTaint);
    assertNull(cluster.leaseHolder);
    assertEquals(
        List.of(
            NodeEventReason.BeginMaintenance,
            NodeEventReason.SucceedMaintenance,
            NodeEventReason.UncordonNode,
            NodeEventReason.RemovedMaintenance),
        cluster.events);
    assertTrue(
        cluster.calls.indexOf("cordon") < cluster.calls.indexOf("evictPod default/web-1"),
        "cordon before the first eviction: " + cluster.calls);
    assertTrue(cluster.calls.contains("deletePod batch/report-done (finished pod (Succeeded))"), cluster.calls.toString());
    assertEquals(List.of("awaitMigration vms/fedora-1"), cluster.callsStartingWith("awaitMigration"));
  }

  @Test
  @DisplayName("a PDB that allows no disruption shows as the blocker, and the drain finishes once it allows one")
  void pdbBlocksThenAllows() {
    cluster.addPod("default", "db-0", PodAction.EVICT).withPdb("default/db-pdb");
    cluster.setPdbBudget("default/db-pdb", 0);

    NodeMaintenanceWorkflow maintenance = start(MaintenanceRequest.forNode(NODE, "kernel"));
    MaintenanceStatus blocked = awaitStatus(maintenance, s -> !s.blockers().isEmpty());

    Blocker blocker = blocked.blockers().get(0);
    assertEquals(Stage.DRAINING, blocked.stage());
    assertEquals(BlockerKind.POD_DISRUPTION_BUDGET, blocker.kind());
    assertEquals("default/db-pdb", blocker.pdb());
    assertEquals(0, blocker.disruptionsAllowed());
    assertEquals("default/db-0", blocker.pod());
    assertEquals(PodState.BLOCKED, pod(blocked, "default/db-0").state());
    assertEquals(List.of("default/db-0"), blocked.pendingPodsRefs());

    cluster.setPdbBudget("default/db-pdb", 1);
    MaintenanceStatus drained = awaitStatus(maintenance, s -> s.stage() == Stage.AWAITING_RESUME);
    assertEquals(List.of(), drained.blockers());
    assertFalse(cluster.hasPod("default/db-0"));

    maintenance.resume();
    assertEquals(Stage.COMPLETED, result(maintenance).stage());
  }

  @Test
  @DisplayName("a VM that cannot migrate blocks until the deadline, then an escalation deletes it and the drain ends")
  void nonMigratableVmIsEscalated() {
    cluster
        .addPod("vms", "virt-launcher-db-vm-xyz", PodAction.VM_BLOCKED)
        .withVm(FakeCluster.vm("vms", "db-vm", "LiveMigrate", false));
    MaintenanceRequest request = MaintenanceRequest.forNode(NODE, "disk swap");
    // The blocked eviction holds the test service's clock to real time, so the deadline must be short.
    request.setDrainDeadline(Duration.ofSeconds(1));

    NodeMaintenanceWorkflow maintenance = start(request);
    MaintenanceStatus blocked =
        awaitStatus(maintenance, s -> s.stage() == Stage.DRAIN_BLOCKED && !s.blockers().isEmpty());

    assertTrue(blocked.awaitingOperator());
    assertEquals(Phase.Running, blocked.phase());
    assertTrue(blocked.lastError().contains("vms/virt-launcher-db-vm-xyz"), blocked.lastError());
    assertTrue(blocked.lastError().contains("not live-migratable"), blocked.lastError());
    assertEquals(BlockerKind.VM_NOT_MIGRATABLE, blocked.blockers().get(0).kind());
    assertEquals(VmState.BLOCKED, blocked.vms().get(0).state());

    maintenance.escalate(new EscalateRequest(List.of(), "local disk, restore from backup"));
    MaintenanceStatus drained = awaitStatus(maintenance, s -> s.stage() == Stage.AWAITING_RESUME);

    assertEquals(VmState.FORCE_STOPPED, drained.vms().get(0).state());
    assertFalse(drained.awaitingOperator());
    assertEquals(
        List.of("deletePod vms/virt-launcher-db-vm-xyz (escalated: local disk, restore from backup)"),
        cluster.callsStartingWith("deletePod"));
    maintenance.resume();
    assertEquals(Stage.COMPLETED, result(maintenance).stage());
  }

  @Test
  @DisplayName("more time after the deadline takes the drain out of DRAIN_BLOCKED")
  void extendingTheDeadlineResumesDraining() {
    cluster.addPod("default", "db-0", PodAction.EVICT).withPdb("default/db-pdb");
    MaintenanceRequest request = MaintenanceRequest.forNode(NODE, "kernel");
    request.setDrainDeadline(Duration.ofSeconds(1));

    NodeMaintenanceWorkflow maintenance = start(request);
    awaitStatus(maintenance, s -> s.stage() == Stage.DRAIN_BLOCKED);
    maintenance.extendDrainDeadline(new ExtendDeadlineRequest(Duration.ofHours(1)));
    MaintenanceStatus extended = awaitStatus(maintenance, s -> s.stage() == Stage.DRAINING);

    assertFalse(extended.awaitingOperator());
    assertTrue(extended.drainDeadline() != null);
    cluster.setPdbBudget("default/db-pdb", 1);
    awaitStatus(maintenance, s -> s.stage() == Stage.AWAITING_RESUME);
    maintenance.resume();
    assertEquals(Stage.COMPLETED, result(maintenance).stage());
  }

  @Test
  @DisplayName("resume during the drain stops it, cancels evacuations and restores the node")
  void resumeDuringDrainAborts() {
    cluster.addPod("default", "db-0", PodAction.EVICT).withPdb("default/db-pdb");

    NodeMaintenanceWorkflow maintenance = start(MaintenanceRequest.forNode(NODE, "kernel"));
    awaitStatus(maintenance, s -> !s.blockers().isEmpty());
    maintenance.resume();
    MaintenanceResult result = result(maintenance);

    assertEquals(Stage.COMPLETED, result.stage());
    assertEquals(Phase.Failed, result.status().phase());
    assertTrue(result.status().lastError().contains("aborted"), result.status().lastError());
    assertTrue(cluster.hasPod("default/db-0"), "the blocked pod was not evicted");
    assertTrue(cluster.calls.contains("cancelEvacuations"));
    assertTrue(cluster.calls.contains("restoreNode uncordon=true"));
    assertFalse(cluster.unschedulable);
    assertNull(cluster.leaseHolder);
    assertTrue(cluster.events.contains(NodeEventReason.RemovedMaintenance));
  }

  @Test
  @DisplayName("cancelling the workflow during the drain restores the node and ends as CANCELLED")
  void cancelDuringDrainRestoresTheNode() {
    cluster.addPod("default", "db-0", PodAction.EVICT).withPdb("default/db-pdb");

    NodeMaintenanceWorkflow maintenance = start(MaintenanceRequest.forNode(NODE, "kernel"));
    awaitStatus(maintenance, s -> !s.blockers().isEmpty());
    WorkflowStub.fromTyped(maintenance).cancel();

    WorkflowFailedException failure = assertThrows(WorkflowFailedException.class, () -> result(maintenance));
    assertInstanceOf(CanceledFailure.class, failure.getCause());
    assertEquals(Stage.CANCELLED, maintenance.status().stage());
    assertTrue(cluster.calls.contains("restoreNode uncordon=true"));
    assertTrue(cluster.calls.contains("cancelEvacuations"));
    assertFalse(cluster.unschedulable);
    assertNull(cluster.leaseHolder);
  }

  @Test
  @DisplayName("a node that was cordoned before the maintenance stays cordoned after resume")
  void alreadyCordonedNodeStaysCordoned() {
    cluster.unschedulable = true;
    cluster.addPod("default", "web-1", PodAction.EVICT);

    NodeMaintenanceWorkflow maintenance = start(MaintenanceRequest.forNode(NODE, "kernel"));
    awaitStatus(maintenance, s -> s.stage() == Stage.AWAITING_RESUME);
    maintenance.resume();
    MaintenanceResult result = result(maintenance);

    assertEquals(Stage.COMPLETED, result.stage());
    assertEquals(Boolean.TRUE, result.status().wasUnschedulable());
    assertTrue(cluster.unschedulable);
    assertFalse(cluster.drainTaint, "our taint goes even when the cordon stays");
    assertTrue(cluster.calls.contains("restoreNode uncordon=false"));
    assertFalse(cluster.events.contains(NodeEventReason.UncordonNode));
  }

  @Test
  @DisplayName("an infeasible plan fails before any change, names every refused pod and releases the lease")
  void infeasiblePlanLeavesTheNodeUntouched() {
    cluster.addPod("default", "web-1", PodAction.EVICT);
    cluster.addPod("default", "bare-pod", PodAction.REFUSE).withReason("not managed by a controller; needs force");
    cluster.addPod("default", "cache", PodAction.REFUSE).withReason("emptyDir data; needs deleteEmptyDirData");

    ApplicationFailure failure = failureOf(start(MaintenanceRequest.forNode(NODE, "kernel")));

    assertEquals(Failures.DRAIN_INFEASIBLE, failure.getType());
    assertTrue(failure.getOriginalMessage().contains("default/bare-pod (not managed by a controller; needs force)"));
    assertTrue(failure.getOriginalMessage().contains("default/cache (emptyDir data; needs deleteEmptyDirData)"));
    assertEquals(List.of(), cluster.callsStartingWith("cordon"));
    assertEquals(List.of(), cluster.callsStartingWith("evictPod"));
    assertTrue(cluster.calls.contains("releaseLease"));
    assertNull(cluster.leaseHolder);
    assertFalse(cluster.unschedulable);
    assertEquals(List.of(), cluster.events);
  }

  @Test
  @DisplayName("an eviction that fails twice with a retryable error is retried and the maintenance completes")
  void retryableEvictionFailureIsRetried() {
    cluster.addPod("default", "web-1", PodAction.EVICT);
    cluster.evictionOutages.set(2);
    MaintenanceRequest request = MaintenanceRequest.forNode(NODE, "kernel");
    request.setAutoResumeAfter(Duration.ofMinutes(5));

    MaintenanceResult result = result(start(request));

    assertEquals(Stage.COMPLETED, result.stage());
    assertEquals(3, cluster.callsStartingWith("evictPod default/web-1").size());
    assertFalse(cluster.hasPod("default/web-1"));
  }

  @Test
  @DisplayName("a typo in an option fails the workflow with a message naming it, before any cluster call")
  void unknownInputFieldFailsTheWorkflow() {
    MaintenanceRequest request = MaintenanceRequest.forNode(NODE, "kernel");
    request.putUnknownField("ignoreDaemonset", true);

    ApplicationFailure failure = failureOf(start(request));

    assertEquals(Failures.INVALID_REQUEST, failure.getType());
    assertTrue(failure.getOriginalMessage().contains("ignoreDaemonset"), failure.getOriginalMessage());
    assertEquals(List.of(), cluster.calls);
  }

  @Test
  @DisplayName("a malformed JSON input fails the workflow instead of retrying its task forever")
  void malformedInputFailsTheWorkflow() throws Exception {
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("nodeName", NODE);
    input.put("maxConcurrentEvictions", "lots");
    WorkflowStub untyped = client.newUntypedWorkflowStub(NodeMaintenanceWorkflow.WORKFLOW_TYPE, options);
    untyped.start(input);

    // Without the fail-workflow option this would not fail but time out: the task retries forever.
    WorkflowFailedException failure =
        assertThrows(
            WorkflowFailedException.class, () -> untyped.getResult(10, TimeUnit.SECONDS, MaintenanceResult.class));
    ApplicationFailure cause = assertInstanceOf(ApplicationFailure.class, failure.getCause());
    assertTrue(cause.getType().contains("DataConverterException"), cause.getType());
    assertTrue(cause.getOriginalMessage().contains("lots"), cause.getOriginalMessage());
    assertEquals(List.of(), cluster.calls);
  }

  @Test
  @DisplayName("a lease held by another maintenance fails the workflow, naming the holder, before any change")
  void leaseHeldByAnotherFailsBeforeAnyChange() {
    cluster.leaseHolder = "maintenance-from-someone-else";
    cluster.addPod("default", "web-1", PodAction.EVICT);

    ApplicationFailure failure = failureOf(start(MaintenanceRequest.forNode(NODE, "kernel")));

    assertEquals(Failures.LEASE_HELD, failure.getType());
    assertTrue(failure.getOriginalMessage().contains("maintenance-from-someone-else"), failure.getOriginalMessage());
    assertEquals(List.of("getNode", "acquireLease"), cluster.calls);
    assertEquals("maintenance-from-someone-else", cluster.leaseHolder);
    assertFalse(cluster.unschedulable);
  }

  @Test
  @DisplayName("a node that does not exist fails the workflow, naming the node")
  void missingNodeFailsTheWorkflow() {
    cluster.nodeExists = false;

    ApplicationFailure failure = failureOf(start(MaintenanceRequest.forNode(NODE, "kernel")));

    assertEquals(Failures.NODE_NOT_FOUND, failure.getType());
    assertTrue(failure.getOriginalMessage().contains(NODE), failure.getOriginalMessage());
    assertEquals(List.of("getNode"), cluster.calls);
  }

  @Test
  @DisplayName("with autoResumeAfter the node comes back by itself after that time, renewing the lease meanwhile")
  void autoResumesAfterTheConfiguredTime() {
    cluster.addPod("default", "web-1", PodAction.EVICT);
    MaintenanceRequest request = MaintenanceRequest.forNode(NODE, "kernel");
    // Not a multiple of the 20-minute lease renewal: the time-skipping test service rejects the cancellation of a
    // timer that fired during the same workflow task (the real server drops the buffered fired event instead).
    Duration autoResume = Duration.ofMinutes(130);
    request.setAutoResumeAfter(autoResume);
    long startedAt = env.currentTimeMillis();

    MaintenanceResult result = result(start(request));

    assertEquals(Stage.COMPLETED, result.stage());
    assertTrue(env.currentTimeMillis() - startedAt >= autoResume.toMillis());
    assertFalse(cluster.unschedulable);
    assertTrue(cluster.callsStartingWith("renewLease").size() >= 5, cluster.calls.toString());
  }

  @Test
  @DisplayName("a VM whose live migration fails shows the failure as its blocker and is waited for again")
  void failedMigrationIsShownAndRetried() {
    cluster
        .addPod("vms", "virt-launcher-fedora-1-abcde", PodAction.MIGRATE_VM)
        .withVm(FakeCluster.vm("vms", "fedora-1", "LiveMigrate", true));
    cluster.migrationFailures.set(1);
    MaintenanceRequest request = MaintenanceRequest.forNode(NODE, "kernel");
    request.setAutoResumeAfter(Duration.ofMinutes(1));

    MaintenanceResult result = result(start(request));

    VmProgress vm = result.status().vms().get(0);
    assertEquals(VmState.MIGRATED, vm.state());
    assertEquals(1, vm.failedMigrations());
    assertEquals(2, cluster.callsStartingWith("awaitMigration vms/fedora-1").size());
  }

  @Test
  @DisplayName("the pods go in one eviction batch that holds its calls to maxConcurrentEvictions")
  void evictionsAreBoundedByMaxConcurrentEvictions() {
    for (int i = 0; i < 8; i++) {
      cluster.addPod("default", "web-" + i, PodAction.EVICT);
    }
    MaintenanceRequest request = MaintenanceRequest.forNode(NODE, "kernel");
    request.setMaxConcurrentEvictions(2);
    request.setAutoResumeAfter(Duration.ofMinutes(1));

    MaintenanceResult result = result(start(request));

    assertEquals(Stage.COMPLETED, result.stage());
    assertEquals(8, cluster.callsStartingWith("evictPod").size());
    // One batch, which holds its eviction calls to the bound (DrainActivitiesImpl, tested in activities); and no
    // per-pod eviction activity beside it.
    assertEquals(List.of("batch of 8 evictions, parallelism 2"), cluster.callsStartingWith("batch of"));
    long perPodActivities =
        client.fetchHistory(options.getWorkflowId()).getEvents().stream()
            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
            .filter(e -> e.getActivityTaskScheduledEventAttributes().getActivityType().getName().equals("EvictPod"))
            .count();
    assertEquals(0, perPodActivities);
  }

  @Test
  @DisplayName("a pod recreated under the same name with a new UID is a new pod, evicted in the next pass")
  void recreatedPodWithNewUidIsEvictedAgain() {
    cluster.addPod("db", "postgres-0", PodAction.EVICT);
    cluster.recreatedOnce.add("db/postgres-0");
    MaintenanceRequest request = MaintenanceRequest.forNode(NODE, "kernel");
    request.setAutoResumeAfter(Duration.ofMinutes(1));

    MaintenanceResult result = result(start(request));

    assertEquals(2, cluster.callsStartingWith("evictPod db/postgres-0").size(), cluster.calls.toString());
    assertFalse(cluster.hasPod("db/postgres-0"));
    List<PodProgress> pods = result.status().pods();
    assertEquals(2, pods.size(), pods.toString());
    assertTrue(pods.stream().allMatch(p -> p.state() == PodState.GONE));
    assertFalse(pods.get(0).uid().equals(pods.get(1).uid()));
    assertEquals(2, result.status().evictionPods());
    assertEquals(100, result.status().drainProgress());
  }

  @Test
  @DisplayName("a pod whose eviction the API refuses for good is a blocker to escalate; the other pods still go")
  void evictionRefusedForGoodWaitsForEscalation() {
    cluster.addPod("default", "web-1", PodAction.EVICT);
    cluster.addPod("locked", "audit-0", PodAction.EVICT);
    cluster.evictionForbidden.add("locked/audit-0");

    NodeMaintenanceWorkflow maintenance = start(MaintenanceRequest.forNode(NODE, "kernel"));
    MaintenanceStatus blocked = awaitStatus(maintenance, s -> s.blockers().size() == 1 && s.drainProgress() == 50);

    assertEquals(BlockerKind.EVICTION_ERROR, blocked.blockers().get(0).kind());
    assertTrue(blocked.blockers().get(0).message().contains("is forbidden"), blocked.blockers().toString());
    assertTrue(blocked.blockers().get(0).message().contains("escalate"), blocked.blockers().toString());
    assertEquals(List.of("evictPod locked/audit-0"), cluster.callsStartingWith("evictPod locked/"), "tried once, not retried");
    maintenance.escalate(new EscalateRequest(List.of("locked/audit-0"), "audit log shipped"));
    awaitStatus(maintenance, s -> s.stage() == Stage.AWAITING_RESUME);
    assertEquals(List.of("deletePod locked/audit-0 (escalated: audit log shipped)"), cluster.callsStartingWith("deletePod"));
    maintenance.resume();
    assertEquals(Stage.COMPLETED, result(maintenance).stage());
  }

  @Test
  @DisplayName("an escalation of one named pod before the deadline deletes only that pod")
  void escalatingANamedPodDeletesOnlyIt() {
    cluster.addPod("default", "db-0", PodAction.EVICT).withPdb("default/db-pdb");
    cluster.addPod("default", "db-1", PodAction.EVICT).withPdb("default/db-pdb");

    NodeMaintenanceWorkflow maintenance = start(MaintenanceRequest.forNode(NODE, "kernel"));
    awaitStatus(maintenance, s -> s.blockers().size() == 2);
    maintenance.escalate(new EscalateRequest(List.of("default/db-1"), "replica is rebuilt elsewhere"));
    MaintenanceStatus oneLeft = awaitStatus(maintenance, s -> s.pendingPodsRefs().equals(List.of("default/db-0")));

    assertEquals(Stage.DRAINING, oneLeft.stage());
    assertEquals(List.of("deletePod default/db-1 (escalated: replica is rebuilt elsewhere)"), cluster.callsStartingWith("deletePod"));
    assertTrue(cluster.hasPod("default/db-0"));
    assertEquals(50, oneLeft.drainProgress());
    maintenance.resume();
    assertEquals(Stage.COMPLETED, result(maintenance).stage());
  }

  @Test
  @DisplayName("a lease renewal refused because someone took the lease over is counted and shown, not ignored")
  void leaseTakeOverIsReported() {
    cluster.addPod("default", "web-1", PodAction.EVICT);
    cluster.leaseTakenOver = true;
    MaintenanceRequest request = MaintenanceRequest.forNode(NODE, "kernel");
    request.setAutoResumeAfter(Duration.ofHours(1).plusMinutes(10));

    MaintenanceResult result = result(start(request));

    assertEquals(3, result.status().errorOnLeaseCount());
    assertTrue(result.status().lastError().contains("another-operator"), result.status().lastError());
  }

  @Test
  @DisplayName("a cordon the API server refuses fails the maintenance, restores the node and releases the lease")
  void refusedCordonFailsAndRestores() {
    cluster.addPod("default", "web-1", PodAction.EVICT);
    cluster.cordonRefused = true;

    NodeMaintenanceWorkflow maintenance = start(MaintenanceRequest.forNode(NODE, "kernel"));
    ApplicationFailure failure = failureOf(maintenance);

    assertEquals(Failures.API_REFUSED, failure.getType());
    MaintenanceStatus status = maintenance.status();
    assertEquals(Stage.FAILED, status.stage());
    assertEquals(Phase.Failed, status.phase());
    assertTrue(status.lastError().contains("forbidden"), status.lastError());
    assertTrue(cluster.calls.contains("restoreNode uncordon=true"), "cordon may have happened: " + cluster.calls);
    assertTrue(cluster.events.contains(NodeEventReason.FailedMaintenance));
    assertEquals(List.of(), cluster.callsStartingWith("evictPod"));
    assertNull(cluster.leaseHolder);
  }

  @Test
  @DisplayName("a pod stuck terminating is checked less and less often, and counts as gone once it goes")
  void podStuckTerminatingIsPolledWithBackoff() {
    cluster.addPod("default", "web-1", PodAction.EVICT);
    cluster.stuckTerminating.add("default/web-1");

    NodeMaintenanceWorkflow maintenance = start(MaintenanceRequest.forNode(NODE, "kernel"));
    await().atMost(PATIENCE).until(() -> cluster.callsStartingWith("awaitPodsGone").size() >= 7);
    MaintenanceStatus terminating = maintenance.status();
    cluster.finishTermination("default/web-1");
    awaitStatus(maintenance, s -> s.stage() == Stage.AWAITING_RESUME);

    assertEquals(PodState.TERMINATING, pod(terminating, "default/web-1").state());
    assertEquals(
        List.of(
            "awaitPodsGone 1 after=10",
            "awaitPodsGone 1 after=20",
            "awaitPodsGone 1 after=40",
            "awaitPodsGone 1 after=80",
            "awaitPodsGone 1 after=160",
            "awaitPodsGone 1 after=300",
            "awaitPodsGone 1 after=300"),
        cluster.callsStartingWith("awaitPodsGone").subList(0, 7));
    maintenance.resume();
    assertEquals(Stage.COMPLETED, result(maintenance).stage());
  }

  @Test
  @DisplayName("a VM whose migrations keep failing is shown as blocked and can be escalated")
  void vmWhoseMigrationsKeepFailingCanBeEscalated() {
    cluster
        .addPod("vms", "virt-launcher-fedora-1-abcde", PodAction.MIGRATE_VM)
        .withVm(FakeCluster.vm("vms", "fedora-1", "LiveMigrate", true));
    cluster.migrationFailures.set(1_000);

    NodeMaintenanceWorkflow maintenance = start(MaintenanceRequest.forNode(NODE, "kernel"));
    MaintenanceStatus failing = awaitStatus(maintenance, s -> !s.blockers().isEmpty());

    assertEquals(BlockerKind.MIGRATION_FAILED, failing.blockers().get(0).kind());
    assertEquals("vms/fedora-1", failing.blockers().get(0).vm());
    assertEquals(1, failing.vms().get(0).failedMigrations());
    maintenance.escalate(new EscalateRequest(null, "migration network down"));
    MaintenanceStatus drained = awaitStatus(maintenance, s -> s.stage() == Stage.AWAITING_RESUME);

    assertEquals(VmState.FORCE_STOPPED, drained.vms().get(0).state());
    assertEquals(
        List.of("deletePod vms/virt-launcher-fedora-1-abcde (escalated: migration network down)"),
        cluster.callsStartingWith("deletePod"));
    assertEquals(1, cluster.callsStartingWith("awaitMigration").size(), "no hot loop on a failed migration");
    maintenance.resume();
    assertEquals(Stage.COMPLETED, result(maintenance).stage());
  }

  @Test
  @DisplayName("the pause before watching a failed migration again doubles from 10 s up to 5 minutes")
  void migrationRetryPauseBacksOff() {
    assertEquals(Duration.ofSeconds(10), NodeMaintenanceWorkflowImpl.migrationRetryPause(1));
    assertEquals(Duration.ofSeconds(20), NodeMaintenanceWorkflowImpl.migrationRetryPause(2));
    assertEquals(Duration.ofSeconds(160), NodeMaintenanceWorkflowImpl.migrationRetryPause(5));
    assertEquals(Duration.ofMinutes(5), NodeMaintenanceWorkflowImpl.migrationRetryPause(6));
    assertEquals(Duration.ofMinutes(5), NodeMaintenanceWorkflowImpl.migrationRetryPause(60));
  }

  // ---- helpers

  private NodeMaintenanceWorkflow start(MaintenanceRequest request) {
    NodeMaintenanceWorkflow maintenance = client.newWorkflowStub(NodeMaintenanceWorkflow.class, options);
    WorkflowClient.start(maintenance::run, request);
    return maintenance;
  }

  private static MaintenanceResult result(NodeMaintenanceWorkflow maintenance) {
    return Scenarios.result(maintenance);
  }

  /** The application failure that failed the workflow, unwrapped from the activity failure if one caused it. */
  private static ApplicationFailure failureOf(NodeMaintenanceWorkflow maintenance) {
    WorkflowFailedException failure = assertThrows(WorkflowFailedException.class, () -> result(maintenance));
    Throwable cause = failure.getCause();
    if (cause instanceof ActivityFailure activityFailure) {
      cause = activityFailure.getCause();
    }
    return assertInstanceOf(ApplicationFailure.class, cause);
  }

  private static MaintenanceStatus awaitStatus(NodeMaintenanceWorkflow maintenance, Predicate<MaintenanceStatus> until) {
    return await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(maintenance::status, until::test);
  }

  private static PodProgress pod(MaintenanceStatus status, String key) {
    return status.pods().stream().filter(p -> p.key().equals(key)).findFirst().orElseThrow();
  }
}
