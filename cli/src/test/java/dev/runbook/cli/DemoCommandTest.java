package dev.runbook.cli;

import static dev.runbook.cli.Expect.contains;
import static dev.runbook.cli.Expect.exit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.temporal.worker.WorkerFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("runbook demo: drives a maintenance through block, escalation and resume, then reports")
class DemoCommandTest {
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicReference<Double> speedSeen = new AtomicReference<>();

  /** A world whose "worker" runs the fake workflow on the demo's in-process Temporal; its node starts blocked. */
  private CliContext fakeWorld(String violations) {
    return CliRun.offline()
        .withSleeper(d -> Thread.sleep(10))
        .withDemoWorlds(
            (client, taskQueue, speed) -> {
              speedSeen.set(speed);
              WorkerFactory factory = WorkerFactory.newInstance(client);
              factory.newWorker(taskQueue).registerWorkflowImplementationTypes(FakeNodeMaintenanceWorkflow.class);
              factory.start();
              return new DemoWorld() {
                @Override
                public String node() {
                  return "blocked-demo";
                }

                @Override
                public JsonNode report() {
                  try {
                    return new ObjectMapper().readTree("{\"evictions\": [], \"violations\": " + violations + "}");
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                }

                @Override
                public void close() {
                  factory.shutdownNow();
                  closed.set(true);
                }
              };
            });
  }

  @Test
  void escalatesABlockedDrainResumesAndReportsACleanRun() {
    CliRun run = CliRun.run(fakeWorld("[]"), "demo", "--speed", "20");

    exit(ExitCode.OK, run);
    contains(
        run.out(),
        "in-process Temporal service",
        "putting node blocked-demo into maintenance",
        "default/db-1: PodDisruptionBudget default/db-pdb allows 0 disruptions",
        "escalating as an operator would",
        "node blocked-demo is in maintenance (drained, cordoned); resuming",
        "What happened to node blocked-demo: maintenance COMPLETED",
        "kube-system/agent-x",
        "invariants: none broken");
    assertEquals(20.0, speedSeen.get());
    assertTrue(closed.get(), "the demo world is closed at the end");
  }

  @Test
  void aBrokenInvariantInTheClusterMakesTheDemoFail() {
    CliRun run = CliRun.run(fakeWorld("[{\"invariant\": \"vm-lost\", \"detail\": \"vms/win\"}]"), "demo");

    exit(ExitCode.FAILED, run);
    contains(run.out(), "invariants BROKEN:", "vm-lost: vms/win");
  }

  @Test
  void theDefaultDrainDeadlineIsFifteenMinutesOfClusterTime() {
    assertEquals(java.time.Duration.ofSeconds(90), DemoCommand.scaledDeadline(10));
    assertEquals(java.time.Duration.ofSeconds(45), DemoCommand.scaledDeadline(20));
    assertEquals(java.time.Duration.ofSeconds(20), DemoCommand.scaledDeadline(1000), "never shorter than 20s");
  }

  @Test
  void aNonPositiveSpeedIsAUsageError() {
    CliRun run = CliRun.run(CliRun.offline(), "demo", "--speed", "-1");

    exit(ExitCode.USAGE, run);
    contains(run.err(), "--speed -1.0 must be a positive number");
  }
}
