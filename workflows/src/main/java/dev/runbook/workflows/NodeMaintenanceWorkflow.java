package dev.runbook.workflows;

import dev.runbook.workflows.model.EscalateRequest;
import dev.runbook.workflows.model.ExtendDeadlineRequest;
import dev.runbook.workflows.model.MaintenanceRequest;
import dev.runbook.workflows.model.MaintenanceResult;
import dev.runbook.workflows.model.MaintenanceStatus;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One node through maintenance: validate, cordon, drain, await {@code resume}, uncordon.
 *
 * <p>Contract (see DESIGN.md): workflow type {@code NodeMaintenance}, task queue {@code node-maintenance}, workflow
 * id {@code maintenance-<node>}, signal {@code resume}, query {@code status}.
 */
@WorkflowInterface
public interface NodeMaintenanceWorkflow {
  String WORKFLOW_TYPE = "NodeMaintenance";
  String DEFAULT_TASK_QUEUE = "node-maintenance";

  static String workflowId(String nodeName) {
    return "maintenance-" + nodeName;
  }

  @WorkflowMethod(name = WORKFLOW_TYPE)
  MaintenanceResult run(MaintenanceRequest request);

  /** End maintenance: stop the drain if it still runs, restore the node, complete. */
  @SignalMethod(name = "resume")
  void resume();

  /** Delete blocking pods despite their PDB or VM eviction strategy (kubectl's --disable-eviction). */
  @SignalMethod(name = "escalate")
  void escalate(EscalateRequest request);

  /** Move the drain deadline: the drain keeps going for this much longer from now. */
  @SignalMethod(name = "extendDrainDeadline")
  void extendDrainDeadline(ExtendDeadlineRequest request);

  @QueryMethod(name = "status")
  MaintenanceStatus status();
}
