package dev.runbook.e2e;

import static dev.runbook.e2e.Checks.assertContainsAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Mistakes an operator can make with {@code temporal workflow start}: each ends the run as failed with a message
 * that names the problem, and leaves the cluster as it was. The demo cluster is shared with
 * {@link NodeMaintenanceThroughTemporalCliIT}; these tests keep to worker-3 and wait for the cluster to settle
 * (replacement pods of earlier drains scheduled) before they take the picture they compare with.
 */
@ExtendWith(DemoClusterStack.class)
@DisplayName("A bad maintenance request through temporal workflow start fails clearly and changes nothing")
class BadMaintenanceRequestsIT {
  static E2eStack stack;

  @BeforeAll
  static void useStack(E2eStack demoCluster) {
    stack = demoCluster;
  }

  static Stream<Arguments> badRequests() {
    return Stream.of(
        Arguments.of("unknown-node", "{\"nodeName\":\"no-such-node\",\"reason\":\"e2e\"}", List.of("no-such-node", "not found")),
        Arguments.of("empty-node-name", "{\"nodeName\":\"\",\"reason\":\"e2e\"}", List.of("nodeName is required")),
        Arguments.of("option-of-the-wrong-type", "{\"nodeName\":\"worker-3\",\"maxConcurrentEvictions\":\"lots\"}",
            List.of("maxConcurrentEvictions", "lots")),
        Arguments.of("misspelt-option", "{\"nodeName\":\"worker-3\",\"ignoreDaemonset\":true}",
            List.of("unknown option", "ignoreDaemonset", "ignoreDaemonSets")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  @DisplayName("a request with a bad node name or bad options fails naming the problem, no node touched")
  void badRequestFailsAndLeavesTheClusterAlone(String caseName, String input, List<String> messageNames) {
    List<NodeView> before = settledCluster();

    Maintenance m = Maintenance.start(stack, "bad-" + caseName, input);
    m.awaitClosed(Duration.ofSeconds(60));

    assertEquals("WORKFLOW_EXECUTION_STATUS_FAILED", m.executionStatus());
    String message = m.failureMessage();
    assertContainsAll(message, messageNames.toArray(String[]::new));
    Processes.Result result = m.result();
    assertEquals(1, result.exitCode(), result.toString());
    assertContainsAll(result.stdout() + result.stderr(), messageNames.get(0));
    assertEquals(before, allNodes(), "the cluster is unchanged");
  }

  @Test
  @DisplayName("a second maintenance of a node already in maintenance is refused by the node's Lease, the first goes on")
  void secondMaintenanceOfTheSameNodeIsRefused() {
    Maintenance first = Maintenance.startForNode(stack, "worker-3", "PT30S");
    first.awaitStage(Duration.ofSeconds(60), "AWAITING_RESUME");
    NodeView inMaintenance = NodeView.of(stack, "worker-3");
    List<NodeView> before = settledCluster();

    Maintenance second = Maintenance.start(stack, "second-maintenance-worker-3", "{\"nodeName\":\"worker-3\",\"reason\":\"e2e\"}");
    second.awaitClosed(Duration.ofSeconds(60));

    assertEquals("WORKFLOW_EXECUTION_STATUS_FAILED", second.executionStatus());
    assertContainsAll(second.failureMessage(), "worker-3", "held by", "maintenance-worker-3");
    assertEquals(before, allNodes(), "the refused maintenance changed nothing");
    assertEquals("maintenance-worker-3", inMaintenance.runbookAnnotations().get("runbook.dev/maintenance-workflow"), inMaintenance.toString());
    assertEquals("AWAITING_RESUME", first.status().path("stage").asText(), "the first maintenance goes on");

    first.signal("resume", null);
    first.awaitClosed(Duration.ofSeconds(60));
    assertEquals("WORKFLOW_EXECUTION_STATUS_COMPLETED", first.executionStatus());
    Checks.assertUntouchedNodeSpec(NodeView.of(stack, "worker-3"));
  }

  private static List<NodeView> allNodes() {
    return NodeView.all(stack);
  }

  /** The cluster once two looks a second apart agree: nothing of an earlier test is still moving. */
  private static List<NodeView> settledCluster() {
    AtomicReference<List<NodeView>> previous = new AtomicReference<>(allNodes());
    Awaitility.await("the cluster settles")
        .atMost(Duration.ofSeconds(60))
        .pollDelay(Duration.ofSeconds(1))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> {
          List<NodeView> now = allNodes();
          return now.equals(previous.getAndSet(now));
        });
    return previous.get();
  }
}
