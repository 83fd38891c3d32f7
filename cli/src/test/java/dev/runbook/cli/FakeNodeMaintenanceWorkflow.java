package dev.runbook.cli;

import dev.runbook.workflows.NodeMaintenanceWorkflow;
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
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Workflow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-only stand-in registered under the type NodeMaintenance, so the CLI's Temporal calls run for real against an
 * in-memory server. Nodes named {@code blocked-*} start with {@code default/db-1} blocked by a PDB past the
 * deadline (escalation clears it); {@code missing-*} fail like a node that does not exist; any other node is
 * drained at once. {@code resume} completes; cancellation ends CANCELLED.
 */
public class FakeNodeMaintenanceWorkflow implements NodeMaintenanceWorkflow {
  private MaintenanceRequest request;
  private Stage stage = Stage.VALIDATING;
  private final List<String> blocked = new ArrayList<>();
  private String deadline;
  private String lastError;
  private boolean resumed;

  @Override
  public MaintenanceResult run(MaintenanceRequest request) {
    this.request = request;
    if (request.getNodeName().startsWith("missing-")) {
      stage = Stage.FAILED;
      lastError = "node " + request.getNodeName() + " not found";
      throw ApplicationFailure.newNonRetryableFailure("node " + request.getNodeName() + " not found", "NodeNotFound");
    }
    if (request.getNodeName().startsWith("blocked-")) {
      blocked.add("default/db-1");
      deadline = now().toString();
      stage = Stage.DRAIN_BLOCKED;
    } else {
      stage = Stage.AWAITING_RESUME;
    }
    try {
      Workflow.await(() -> resumed || (stage == Stage.DRAIN_BLOCKED && blocked.isEmpty()));
      if (!resumed) {
        stage = Stage.AWAITING_RESUME;
        deadline = null;
        Workflow.await(() -> resumed);
      }
      stage = Stage.COMPLETED;
      return new MaintenanceResult(stage, status());
    } catch (CanceledFailure e) {
      stage = Stage.CANCELLED;
      lastError = "cancelled by the operator";
      throw e;
    }
  }

  @Override
  public void resume() {
    resumed = true;
  }

  @Override
  public void escalate(EscalateRequest request) {
    if (request.pods() == null || request.pods().isEmpty()) {
      blocked.clear();
    } else {
      blocked.removeAll(request.pods());
    }
  }

  @Override
  public void extendDrainDeadline(ExtendDeadlineRequest request) {
    deadline = now().plus(request.extendBy()).toString();
  }

  @Override
  public MaintenanceStatus status() {
    List<PodProgress> pods = new ArrayList<>();
    pods.add(new PodProgress("default", "web-1", "u1", "ReplicaSet/web", "EVICT", stage == Stage.VALIDATING ? PodState.PENDING : PodState.GONE, null, null));
    pods.add(new PodProgress("default", "db-1", "u2", "StatefulSet/db", "EVICT", blocked.isEmpty() ? PodState.GONE : PodState.BLOCKED, null, null));
    pods.add(new PodProgress("kube-system", "agent-x", "u3", "DaemonSet/agent", "SKIP_DAEMONSET", PodState.SKIPPED, null, null));
    List<Blocker> blockers =
        blocked.stream()
            .map(p -> new Blocker(p, BlockerKind.POD_DISRUPTION_BUDGET, "PDB allows 0", "default/db-pdb", 0, null, 0))
            .toList();
    Phase phase = stage == Stage.COMPLETED ? Phase.Succeeded : stage.isFinal() ? Phase.Failed : Phase.Running;
    return new MaintenanceStatus(
        request == null ? null : request.getNodeName(),
        request == null ? null : request.getReason(),
        stage,
        phase,
        3,
        2,
        List.copyOf(blocked),
        List.of(),
        blocked.isEmpty() ? 100 : 50,
        lastError,
        now().toString(),
        0,
        false,
        deadline,
        stage == Stage.DRAIN_BLOCKED,
        pods,
        List.of(),
        blockers);
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }
}
