package dev.runbook.cli;

import static dev.runbook.cli.Expect.contains;
import static dev.runbook.cli.Expect.exit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("runbook demo end to end: in-process Temporal, the simulated demo cluster, the real worker")
class DemoIT {
  @Test
  void theDemoMaintainsWorker1AndReportsWhatHappened() {
    CliContext standard = CliContext.standard();
    // The real world (simulated cluster + worker); only the terminal is fixed, so the output is appended text.
    CliContext context =
        new CliContext(standard.temporal(), standard.drainPlanners(), standard.demoWorlds(), standard.sleeper(), standard.clock(), false);

    CliRun run = CliRun.run(context, "demo", "--speed", "50");

    exit(ExitCode.OK, run);
    contains(
        run.out(),
        "putting node worker-1 into maintenance",
        "What happened to node worker-1: maintenance COMPLETED",
        "VMs live-migrated",
        "VMs shut down, then handled per run strategy",
        "DaemonSet pod, ignored by the drain",
        "invariants: none broken");
  }
}
