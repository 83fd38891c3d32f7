package dev.runbook.worker.nodemaintenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.workflows.model.Blocker;
import dev.runbook.workflows.model.BlockerKind;
import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.Phase;
import dev.runbook.workflows.model.Stage;
import io.temporal.failure.ApplicationFailure;
import io.temporal.client.WorkflowFailedException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ControllerStatusTest {
  private static MaintenanceStatus draining(List<Blocker> blockers, String lastError) {
    return new MaintenanceStatus(
        "worker-1", "firmware", Stage.DRAINING, Phase.Running, 12, 9, List.of("db-0", "web-1"),
        List.of("shop/db-0", "shop/web-1"), 77, lastError, "2026-11-28T05:00:00Z", 0, false, null, false, List.of(),
        List.of(), blockers);
  }

  @Test
  void nmoFieldsComeFromTheWorkflowStatusWithPodRefsAsNamespaceAndName() {
    Map<String, Object> status = NodeMaintenanceController.fromWorkflow(draining(List.of(), null), null);
    assertEquals("Running", status.get("phase"));
    assertEquals(77, status.get("drainProgress"));
    assertEquals(12, status.get("totalpods"));
    assertEquals(9, status.get("evictionPods"));
    assertEquals(List.of("db-0", "web-1"), status.get("pendingPods"));
    assertEquals(
        List.of(Map.of("namespace", "shop", "name", "db-0"), Map.of("namespace", "shop", "name", "web-1")),
        status.get("pendingPodsRefs"));
    assertTrue(status.containsKey("lastError") && status.get("lastError") == null, "a cleared error is removed by the merge patch");
  }

  @Test
  void withoutAnErrorTheFirstBlockerExplainsWhatTheDrainWaitsFor() {
    Blocker pdb = new Blocker("shop/db-0", BlockerKind.POD_DISRUPTION_BUDGET, "PodDisruptionBudget shop/db allows 0 disruptions", "shop/db", 0, null, 0);
    Blocker other = new Blocker("shop/web-1", BlockerKind.POD_DISRUPTION_BUDGET, "other", null, null, null, 0);
    Map<String, Object> status = NodeMaintenanceController.fromWorkflow(draining(List.of(pdb, other), null), null);
    assertEquals("PodDisruptionBudget shop/db allows 0 disruptions (and 1 more blocked)", status.get("lastError"));
    assertEquals(
        "the workflow's error wins",
        NodeMaintenanceController.fromWorkflow(draining(List.of(pdb), "the workflow's error wins"), null).get("lastError"));
  }

  @Test
  void statusesCompareAsJsonSoAnUnchangedStatusIsNotWrittenAgain() {
    Map<String, Object> desired = NodeMaintenanceController.fromWorkflow(draining(List.of(), null), null);
    // what the informer hands back: numbers as Long, lists of maps, no lastError key at all
    Map<String, Object> stored = new LinkedHashMap<>();
    desired.forEach((k, v) -> {
      if (v instanceof Integer i) {
        stored.put(k, i.longValue());
      } else if (v != null) {
        stored.put(k, v);
      }
    });
    assertTrue(NodeMaintenanceController.sameStatus(stored, desired));
    stored.put("drainProgress", 78L);
    assertFalse(NodeMaintenanceController.sameStatus(stored, desired));
  }

  @Test
  void aFailedWorkflowIsReportedInItsOwnWords() {
    var failure =
        new WorkflowFailedException(
            io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId("maintenance-worker-3").build(),
            "NodeMaintenance", io.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, 7,
            io.temporal.api.enums.v1.RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE,
            ApplicationFailure.newNonRetryableFailure("node 'worker-3' is held by another maintenance", "LeaseHeld"));
    assertEquals("node 'worker-3' is held by another maintenance", NodeMaintenanceController.failureMessage(failure));
  }

  @Test
  void settingsComeFromTheEnvironmentAndBadValuesNameTheVariable() {
    assertEquals(ControllerConfig.defaults(), ControllerConfig.fromEnvironment(Map.of()));
    ControllerConfig on =
        ControllerConfig.fromEnvironment(
            Map.of(ControllerConfig.ENABLED, "true", ControllerConfig.STATUS_INTERVAL_SECONDS, "0.5"));
    assertTrue(on.enabled());
    assertEquals(Duration.ofMillis(500), on.statusInterval());
    var bad = assertThrows(IllegalArgumentException.class, () -> ControllerConfig.fromEnvironment(Map.of(ControllerConfig.ENABLED, "yes please")));
    assertTrue(bad.getMessage().startsWith("RUNBOOK_NODEMAINTENANCE_CONTROLLER='yes please' must be true or false"), bad.getMessage());
    var zero = assertThrows(IllegalArgumentException.class, () -> ControllerConfig.fromEnvironment(Map.of(ControllerConfig.STATUS_INTERVAL_SECONDS, "0")));
    assertTrue(zero.getMessage().contains("0.1 or more"), zero.getMessage());
  }
}
