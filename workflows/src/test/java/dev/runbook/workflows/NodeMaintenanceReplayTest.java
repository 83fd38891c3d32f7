package dev.runbook.workflows;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Replays recorded histories against the current code: a change that would break a running maintenance fails here
 * (then guard it with {@code Workflow.getVersion}). Record the histories again, only when the change is meant to
 * be incompatible, with {@link RecordHistoriesTest}.
 */
class NodeMaintenanceReplayTest {
  @Test
  @DisplayName("the recorded happy-path history replays without a non-determinism error")
  void happyPathHistoryReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/happy-path.json", NodeMaintenanceWorkflowImpl.class);
  }

  @Test
  @DisplayName("the recorded drain-blocked-then-escalated history replays without a non-determinism error")
  void escalatedHistoryReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/drain-blocked-escalated.json", NodeMaintenanceWorkflowImpl.class);
  }
}
