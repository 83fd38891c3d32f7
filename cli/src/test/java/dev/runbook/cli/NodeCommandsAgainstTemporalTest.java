package dev.runbook.cli;

import static dev.runbook.cli.Expect.contains;
import static dev.runbook.cli.Expect.doesNotContain;
import static dev.runbook.cli.Expect.exit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.workflows.NodeMaintenanceWorkflow;
import dev.runbook.workflows.model.MaintenanceRequest;
import dev.runbook.workflows.model.MaintenanceResult;
import io.temporal.api.common.v1.Payloads;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowTargetOptions;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("runbook node commands against an in-memory Temporal with a fake NodeMaintenance workflow")
class NodeCommandsAgainstTemporalTest {
  // One in-memory server for the class (each test uses its own node names): starting one costs about a second.
  private static TestWorkflowEnvironment env;
  private static WorkflowClient client;
  private static CliContext context;

  @BeforeAll
  static void startTemporal() {
    // No time skipping: the fake has no timers, and real time keeps start times and deadlines readable.
    env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    Worker worker = env.newWorker(NodeMaintenanceWorkflow.DEFAULT_TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(FakeNodeMaintenanceWorkflow.class);
    env.start();
    client = env.getWorkflowClient();
    context = CliRun.offline().withTemporal(options -> client).withSleeper(d -> Thread.sleep(10));
  }

  @AfterAll
  static void stopTemporal() {
    env.close();
  }

  private CliRun runbook(String... args) {
    return CliRun.run(context, args);
  }

  private MaintenanceResult awaitEnd(String node) {
    return client
        .newUntypedWorkflowStub(WorkflowTargetOptions.newBuilder().setWorkflowId(NodeMaintenanceWorkflow.workflowId(node)).build())
        .getResult(MaintenanceResult.class);
  }

  @Test
  void startedMaintenanceIsVisibleInStatus() {
    CliRun start = runbook("node", "start", "node-1", "--reason", "firmware upgrade");
    exit(0, start);
    contains(start.out(), "workflow maintenance-node-1", "task queue node-maintenance");

    CliRun status = runbook("node", "status", "node-1");
    exit(0, status);
    contains(
        status.out(),
        "node node-1 maintenance: firmware upgrade",
        "AWAITING_RESUME  (NMO phase Running)",
        "[####################] 2/2 moved",
        "`runbook node resume node-1`");
  }

  @Test
  void startSendsTheChosenOptionsAsTheWorkflowsJsonInputAndLeavesTheRestToTheWorkflowDefaults() throws Exception {
    CliRun start =
        runbook("node", "start", "node-2", "--no-force", "--drain-deadline", "20m", "--max-concurrent-evictions", "3", "--grace-period", "30");
    exit(0, start);

    Payloads input =
        client.fetchHistory("maintenance-node-2").getHistory().getEvents(0).getWorkflowExecutionStartedEventAttributes().getInput();
    JsonNode json = Json.mapper().readTree(input.getPayloads(0).getData().toStringUtf8());
    assertEquals("node-2", json.path("nodeName").asText());
    assertFalse(json.path("force").asBoolean(true));
    assertEquals(3, json.path("maxConcurrentEvictions").asInt());
    assertEquals(30, json.path("gracePeriodSeconds").asInt());
    assertFalse(json.has("deleteEmptyDirData"), "defaults are left to the workflow: " + json);
    MaintenanceRequest decoded =
        DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(0, Optional.of(input), MaintenanceRequest.class, MaintenanceRequest.class);
    assertEquals(Duration.ofMinutes(20), decoded.getDrainDeadline());
    assertEquals(java.util.List.of(), decoded.problems());
  }

  @Test
  void secondStartForANodeInMaintenanceIsRefusedNamingTheRunningWorkflow() {
    CliRun first = runbook("node", "start", "twice-1");
    String runId = first.out().replaceAll("(?s).*run ([0-9a-f-]+),.*", "$1");

    CliRun second = runbook("node", "start", "twice-1");

    exit(ExitCode.FAILED, second);
    contains(
        second.err(),
        "node twice-1 is already in maintenance",
        "maintenance-twice-1 (run " + runId + ")",
        "runbook node resume twice-1");
  }

  @Test
  void resumeEndsTheMaintenanceAndAFinishedNodeCanBeMaintainedAgain() {
    runbook("node", "start", "resumed-1");

    CliRun resume = runbook("node", "resume", "resumed-1");
    exit(0, resume);
    awaitEnd("resumed-1");

    CliRun status = runbook("node", "status", "resumed-1", "-o", "json");
    exit(0, status);
    contains(status.out(), "\"stage\" : \"COMPLETED\"", "\"phase\" : \"Succeeded\"");
    CliRun cancelEnded = runbook("node", "cancel", "resumed-1");
    exit(ExitCode.FAILED, cancelEnded);
    contains(cancelEnded.err(), "no running maintenance of node resumed-1", "has ended or never started");
    exit(0, runbook("node", "start", "resumed-1"));
  }

  @Test
  void startWaitStopsWithExitOneWhenTheDrainIsBlockedAndNamesTheBlocker() {
    CliRun start = runbook("node", "start", "blocked-1", "--wait");

    exit(ExitCode.FAILED, start);
    contains(start.out(), "default/db-1: PodDisruptionBudget default/db-pdb allows 0 disruptions; waiting for it to allow one");
    contains(start.err(), "blocked past its deadline", "runbook node escalate blocked-1");
  }

  @Test
  void escalatingTheBlockerLetsTheDrainFinishAndWatchStopsWhenTheNodeIsInMaintenance() {
    runbook("node", "start", "blocked-3");

    CliRun escalate = runbook("node", "escalate", "blocked-3", "--pod", "default/db-1", "--reason", "db is replicated");
    exit(0, escalate);

    CliRun watch = runbook("node", "status", "blocked-3", "--watch");
    exit(0, watch);
    contains(watch.out(), "AWAITING_RESUME");
    doesNotContain(watch.out(), "\033[");
  }

  @Test
  void watchOnATerminalRedrawsInPlace() {
    runbook("node", "start", "tty-1");
    CliContext terminal =
        new CliContext(context.temporal(), context.drainPlanners(), context.demoWorlds(), context.sleeper(), context.clock(), true);

    CliRun watch = CliRun.run(terminal, "node", "status", "tty-1", "--watch");

    exit(0, watch);
    assertTrue(watch.out().startsWith("\033[H\033[2J"), watch.out());
  }

  @Test
  void startWaitReturnsZeroOnceTheNodeIsDrained() {
    CliRun start = runbook("node", "start", "node-5", "--wait", "-o", "json");

    exit(0, start);
    contains(start.out().strip().lines().reduce((a, b) -> b).orElseThrow(), "\"stage\":\"AWAITING_RESUME\"");
  }

  @Test
  void extendMovesTheDrainDeadlineByTheGivenDurationFromNow() throws Exception {
    runbook("node", "start", "blocked-2");
    Instant before = Instant.parse(Json.mapper().readTree(runbook("node", "status", "blocked-2", "-o", "json").out()).path("drainDeadline").asText());

    CliRun extend = runbook("node", "extend", "blocked-2", "--by", "10m");

    exit(0, extend);
    Instant after = Instant.parse(Json.mapper().readTree(runbook("node", "status", "blocked-2", "-o", "json").out()).path("drainDeadline").asText());
    assertTrue(Duration.between(before, after).compareTo(Duration.ofMinutes(10)) >= 0, before + " -> " + after);
  }

  @Test
  void cancelledMaintenanceReportsCancelledAndWatchExitsOne() {
    runbook("node", "start", "node-3");

    CliRun cancel = runbook("node", "cancel", "node-3");
    exit(0, cancel);
    try {
      awaitEnd("node-3");
    } catch (WorkflowFailedException expected) {
      // cancelled
    }

    CliRun watch = runbook("node", "status", "node-3", "--watch");
    exit(ExitCode.FAILED, watch);
    contains(watch.out(), "CANCELLED");
  }

  @Test
  void failedMaintenanceShowsWhyAndStartWaitExitsOne() {
    CliRun start = runbook("node", "start", "missing-1", "--wait");

    exit(ExitCode.FAILED, start);
    contains(start.err(), "ended FAILED", "node missing-1 not found");
    CliRun status = runbook("node", "status", "missing-1");
    contains(status.out(), "FAILED", "node missing-1 not found");
  }

  @Test
  void commandsOnANodeWithoutMaintenanceSayHowToStartOne() {
    CliRun status = runbook("node", "status", "ghost");
    exit(ExitCode.FAILED, status);
    contains(status.err(), "no maintenance of node ghost", "runbook node start ghost");

    CliRun resume = runbook("node", "resume", "ghost");
    exit(ExitCode.FAILED, resume);
    contains(resume.err(), "ghost");
  }

  @Test
  void listShowsEveryMaintenanceWithTheStageOfRunningOnes() throws Exception {
    runbook("node", "start", "list-1");
    runbook("node", "start", "list-2");
    runbook("node", "resume", "list-2");
    awaitEnd("list-2");

    CliRun list = runbook("node", "list");

    exit(0, list);
    assertTrue(
        list.out().lines().anyMatch(l -> l.startsWith("list-1") && l.contains("Running") && l.contains("AWAITING_RESUME")), list.out());
    assertTrue(list.out().lines().anyMatch(l -> l.startsWith("list-2") && l.contains("Completed")), list.out());
    JsonNode running = Json.mapper().readTree(runbook("node", "list", "--running", "-o", "json").out());
    java.util.List<String> runningNodes = new java.util.ArrayList<>();
    running.forEach(m -> runningNodes.add(m.path("node").asText()));
    assertTrue(runningNodes.contains("list-1") && !runningNodes.contains("list-2"), running.toString());
  }
}
