package dev.runbook.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A maintenance outlives its worker and its Temporal server. The scenario's pods take 4 s (40 simulated seconds) to
 * terminate behind a PDB allowing one disruption at a time, so the drain of a slow node is still running when the
 * test strikes; slow-1 and slow-2 are one test's each.
 */
@DisplayName("A maintenance survives a killed worker and a restarted Temporal server")
class MaintenanceSurvivesCrashesIT {
  static E2eStack stack;

  @BeforeAll
  static void startStack() throws Exception {
    Path scenario = Path.of(MaintenanceSurvivesCrashesIT.class.getResource("/slow-terminations.yaml").toURI());
    stack = E2eStack.start("crashes", scenario);
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @DisplayName("kill -9 of the worker mid-drain: a new worker finishes it, no PDB broken, no pod evicted twice")
  void workerKilledMidDrainIsReplaced() {
    Maintenance m = Maintenance.startForNode(stack, "slow-1", "PT5M");
    awaitTerminatingPodOn("slow-1");

    stack.killWorkerHard();
    // No query here: with no worker alive nobody could answer it. The server's view is enough.
    assertEquals("WORKFLOW_EXECUTION_STATUS_RUNNING", m.executionStatus(), "the drain was cut in its middle");
    assertTrue(NodeView.of(stack, "slow-1").pods().stream().anyMatch(p -> p.name().startsWith("slow-app-1-")), "app pods still on slow-1");
    stack.startWorker();

    m.awaitStage(Duration.ofSeconds(150), "AWAITING_RESUME");
    NodeView drained = NodeView.of(stack, "slow-1");
    assertTrue(drained.holdsOnlyDaemonSetPods(), "pods left on slow-1: " + drained.pods());
    m.signal("resume", null);
    m.awaitClosed(Duration.ofSeconds(60));
    assertEquals("WORKFLOW_EXECUTION_STATUS_COMPLETED", m.executionStatus());
    Checks.assertUntouchedNodeSpec(NodeView.of(stack, "slow-1"));

    JsonNode report = stack.simReport();
    assertEquals(0, report.path("violations").size(), "no broken invariant: " + report.path("violations"));
    Map<String, Integer> granted = successfulEvictionsByUid(report, "slow-app-1-");
    assertEquals(3, granted.size(), "each of slow-1's three app pods evicted: " + granted);
    granted.forEach((uid, n) -> assertEquals(1, n, "pod " + uid + " evicted once, not " + n + " times: " + report.path("evictions")));
  }

  @Test
  @DisplayName("the Temporal dev server stopped mid-drain and started again on the same database: the maintenance carries on")
  void devServerRestartedMidDrain() {
    Maintenance m = Maintenance.startForNode(stack, "slow-2", "PT5M");
    String runId = m.runId();
    awaitTerminatingPodOn("slow-2");

    stack.stopDevServer();
    stack.startDevServer();
    stack.awaitDevServerServing();

    assertEquals(runId, m.runId(), "the same run, kept in the database file");
    m.awaitStage(Duration.ofSeconds(150), "AWAITING_RESUME");
    NodeView drained = NodeView.of(stack, "slow-2");
    assertTrue(drained.holdsOnlyDaemonSetPods(), "pods left on slow-2: " + drained.pods());
    m.signal("resume", null);
    m.awaitClosed(Duration.ofSeconds(60));
    assertEquals("WORKFLOW_EXECUTION_STATUS_COMPLETED", m.executionStatus());
    Checks.assertUntouchedNodeSpec(NodeView.of(stack, "slow-2"));
    JsonNode report = stack.simReport();
    assertEquals(0, report.path("violations").size(), "no broken invariant: " + report.path("violations"));
    successfulEvictionsByUid(report, "slow-app-2-")
        .forEach((uid, n) -> assertEquals(1, n, "pod " + uid + " evicted once: " + report.path("evictions")));
  }

  private static void awaitTerminatingPodOn(String node) {
    Awaitility.await("a pod terminating on " + node)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(300))
        .until(() -> NodeView.of(stack, node).terminatingPods() > 0);
  }

  /** Successful (201) evictions per pod UID, for pods whose name starts with {@code prefix}. */
  private static Map<String, Integer> successfulEvictionsByUid(JsonNode report, String prefix) {
    Map<String, Integer> granted = new TreeMap<>();
    for (JsonNode e : report.path("evictions")) {
      if (e.path("code").asInt() == 201 && e.path("pod").asText().startsWith(prefix)) {
        granted.merge(e.path("uid").asText(), 1, Integer::sum);
      }
    }
    return granted;
  }
}
