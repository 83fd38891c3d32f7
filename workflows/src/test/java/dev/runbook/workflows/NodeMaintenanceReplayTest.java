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

  @Test
  @DisplayName("a happy-path run recorded before longest-chains-first still replays in plan order")
  void happyPathHistoryFromBeforeLongestChainsFirstReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/happy-path-before-longest-chains-first.json", NodeMaintenanceWorkflowImpl.class);
  }

  @Test
  @DisplayName("an escalated run recorded before longest-chains-first still replays in plan order")
  void escalatedHistoryFromBeforeLongestChainsFirstReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/drain-blocked-escalated-before-longest-chains-first.json", NodeMaintenanceWorkflowImpl.class);
  }

  @Test
  @DisplayName("a happy-path run with one eviction slot, each pod's handler started when the slot frees, replays")
  void happyPathWithOneSlotHistoryReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/happy-path-one-eviction-slot.json", NodeMaintenanceWorkflowImpl.class);
  }

  @Test
  @DisplayName("a happy-path run recorded before lazy pod handlers still replays with every handler started at once")
  void happyPathHistoryFromBeforeLazyPodHandlersReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/happy-path-before-lazy-pod-handlers.json", NodeMaintenanceWorkflowImpl.class);
  }

  @Test
  @DisplayName("an escalated run recorded before lazy pod handlers still replays with every handler started at once")
  void escalatedHistoryFromBeforeLazyPodHandlersReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/drain-blocked-escalated-before-lazy-pod-handlers.json", NodeMaintenanceWorkflowImpl.class);
  }

  @Test
  @DisplayName("a happy-path run recorded before batched evictions still replays with one eviction activity per pod")
  void happyPathHistoryFromBeforeBatchedEvictionsReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/happy-path-before-batched-evictions.json", NodeMaintenanceWorkflowImpl.class);
  }

  @Test
  @DisplayName("a one-slot run recorded before batched evictions still replays with each handler started on a free slot")
  void oneSlotHistoryFromBeforeBatchedEvictionsReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/happy-path-one-eviction-slot-before-batched-evictions.json", NodeMaintenanceWorkflowImpl.class);
  }

  @Test
  @DisplayName("an escalated run recorded before batched evictions still replays with its blocked eviction waits")
  void escalatedHistoryFromBeforeBatchedEvictionsReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/drain-blocked-escalated-before-batched-evictions.json", NodeMaintenanceWorkflowImpl.class);
  }
}
