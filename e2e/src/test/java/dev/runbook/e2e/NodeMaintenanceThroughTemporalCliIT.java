package dev.runbook.e2e;

import static dev.runbook.e2e.Checks.assertContainsAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An operator's maintenance of the demo cluster's nodes with nothing but {@code temporal} and {@code kubectl}:
 * the real dev server, {@code runbook sim} with the demo scenario, and {@code runbook worker} (shared with
 * {@link BadMaintenanceRequestsIT}, which keeps to worker-3). Each test has a node of its own; the history and Web UI
 * tests look at worker-1's maintenance, which whichever test comes first runs.
 */
@ExtendWith(DemoClusterStack.class)
@DisplayName("A node maintenance started, followed and resumed with the temporal CLI on the demo cluster")
class NodeMaintenanceThroughTemporalCliIT {
  static E2eStack stack;
  static Worker1Maintenance worker1;

  @BeforeAll
  static void useStack(E2eStack demoCluster) {
    stack = demoCluster;
    worker1 = new Worker1Maintenance(stack);
  }

  @Test
  @DisplayName("worker-2 is cordoned and drained to its DaemonSet pod, tells its story in events, and is given back on resume")
  void simplePathDrainsAndGivesTheNodeBack() {
    Maintenance m = Maintenance.startForNode(stack, "worker-2", "PT30S");

    JsonNode status = m.awaitStage(Duration.ofSeconds(60), "AWAITING_RESUME");
    assertEquals("Succeeded", status.path("phase").asText(), status.toString());
    assertEquals(100, status.path("drainProgress").asInt(), status.toString());

    assertContainsAll(stack.kubectl("get", "node", "worker-2").requireSuccess().stdout(), "SchedulingDisabled");
    assertContainsAll(stack.kubectl("describe", "node", "worker-2").requireSuccess().stdout(), "BeginMaintenance", "SucceedMaintenance");
    NodeView drained = NodeView.of(stack, "worker-2");
    assertFalse(drained.pods().isEmpty(), "the DaemonSet pod stays on worker-2");
    assertTrue(drained.holdsOnlyDaemonSetPods(), "pods left on worker-2: " + drained.pods());

    m.signal("resume", null);

    JsonNode closed = m.awaitClosed(Duration.ofSeconds(60));
    assertEquals("WORKFLOW_EXECUTION_STATUS_COMPLETED", closed.path("workflowExecutionInfo").path("status").asText());
    assertContainsAll(closed.path("closeEvent").toString(), "\"stage\":\"COMPLETED\"");
    Checks.assertContainsNone(stack.kubectl("get", "node", "worker-2").requireSuccess().stdout(), "SchedulingDisabled");
    Checks.assertUntouchedNodeSpec(NodeView.of(stack, "worker-2"));
  }

  @Test
  @DisplayName("worker-1's drain blocks on the not-migratable VM, is escalated, and completes after resume")
  void blockedDrainIsEscalatedAndResumed() {
    worker1.ensureDone();
    assertContainsAll(worker1.blockedStatus.path("blockers").toString(), "fedora-rwo");
    assertEquals("Succeeded", worker1.awaitingStatus.path("phase").asText(), worker1.awaitingStatus.toString());
    assertContainsAll(worker1.describedWhileDrained, "BeginMaintenance", "SucceedMaintenance");
    assertContainsAll(worker1.getNodeWhileDrained, "SchedulingDisabled");
    assertTrue(worker1.drained.holdsOnlyDaemonSetPods(), "pods left on worker-1: " + worker1.drained.pods());

    assertEquals("WORKFLOW_EXECUTION_STATUS_COMPLETED", worker1.maintenance.executionStatus());
    Checks.assertUntouchedNodeSpec(NodeView.of(stack, "worker-1"));
  }

  @Test
  @DisplayName("temporal workflow show names every evicted pod in the eviction batch, and a pod that needed more in its own activity")
  void historyNamesEachPodInItsActivitySummary() {
    worker1.ensureDone();
    List<String> summaries = worker1.maintenance.scheduledActivitySummaries();
    List<String> batched = worker1.maintenance.batchedEvictionPods();

    assertTrue(summaries.stream().anyMatch(s -> s != null && s.matches("evict \\d+ pod\\(s\\): .*shop/web-.*")),
        "the batch's summary names its first pods: " + summaries);
    assertEquals(batched.size(), new HashSet<>(batched).size(), "no pod twice in the batches: " + batched);
    for (JsonNode pod : worker1.awaitingStatus.path("pods")) {
      String ref = pod.path("namespace").asText() + "/" + pod.path("name").asText();
      if (pod.path("action").asText().equals("EVICT")) {
        assertTrue(batched.contains(ref), "the evicted pod " + ref + " is in an eviction batch: " + batched);
      }
    }
    // The pods that did not simply go have activities named after them: the VM's migration, the refused VM's delete.
    assertTrue(summaries.contains("migrate vm vms/rhel-db-live"), "activity summaries: " + summaries);
    assertTrue(summaries.stream().anyMatch(s -> s != null && s.startsWith("delete vms/virt-launcher-fedora-rwo-")),
        "activity summaries: " + summaries);
  }

  @Test
  @DisplayName("the Web UI renders the workflow's history and timeline with the per-pod activity summaries (screenshots saved)")
  void webUiShowsTheHistoryWithSummaries() throws Exception {
    worker1.ensureDone();
    String page = "http://127.0.0.1:" + stack.uiPort + "/namespaces/default/workflows/" + worker1.maintenance.workflowId + "/"
        + worker1.maintenance.runId();
    // The history table shows 100 events a page, newest first: the evictions of a 160-event history are on page 2.
    String history = page + "/history?per-page=500";
    String timeline = page + "/timeline";
    HeadlessChromium chromium = new HeadlessChromium(stack.dir);

    assertContainsAll(chromium.dumpDom(history, "web-ui-history.html"), "maintenance-worker-1", "Activity Task Scheduled", "pod(s): ",
        "shop/web-", "migrate vm vms/rhel-db-live");
    // The timeline draws one bar per activity labelled with its summary: the view that shows them at a glance.
    assertContainsAll(chromium.dumpDom(timeline, "web-ui-timeline.html"), "pod(s): ", "migrate vm vms/rhel-db-live");

    Path target = Path.of(System.getProperty("e2e.target", "target"));
    for (String[] shot : new String[][] {{history, "web-ui-history.png"}, {timeline, "web-ui-timeline.png"}}) {
      Path png = target.resolve(shot[1]);
      chromium.screenshot(shot[0], png);
      assertTrue(Files.size(png) > 10_000, "a rendered page, not an empty image: " + png + " " + Files.size(png) + " bytes");
    }
  }
}
