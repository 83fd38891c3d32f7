package dev.runbook.cli.node;

import static dev.runbook.cli.Expect.contains;
import static dev.runbook.cli.Expect.exit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.cli.CliRun;
import dev.runbook.cli.ExitCode;
import dev.runbook.cli.Runbook;
import dev.runbook.workflows.model.MaintenanceRequest;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

@DisplayName("runbook command line: options, defaults and usage errors (exit 2, nothing contacted)")
class CommandLineParsingTest {
  private static NodeStartCommand parseStart(String... args) {
    CommandLine cl = Runbook.commandLine(CliRun.offline());
    CommandLine.ParseResult parsed = cl.parseArgs(args);
    return parsed.subcommand().subcommand().commandSpec().commandLine().getCommand();
  }

  @Test
  void startWithoutOptionsLeavesEveryDrainOptionToTheWorkflowDefaults() {
    NodeStartCommand start = parseStart("node", "start", "worker-1");

    MaintenanceRequest r = start.request();
    assertEquals("worker-1", r.getNodeName());
    assertNull(r.getReason());
    assertNull(r.getDeleteEmptyDirData());
    assertNull(r.getIgnoreDaemonSets());
    assertNull(r.getForce());
    assertNull(r.getMaxConcurrentEvictions());
    assertNull(r.getDrainDeadline());
    assertNull(r.getGracePeriodSeconds());
    assertNull(r.getAutoResumeAfter());
    assertTrue(r.deleteEmptyDirData() && r.ignoreDaemonSets() && r.force(), "oc adm drain defaults apply");
    assertEquals("node-maintenance", start.temporal.taskQueue());
    assertNull(start.temporal.address());
    assertTrue(!start.waitForDrain);
  }

  @Test
  void startMapsEveryOptionOntoTheWorkflowInput() {
    NodeStartCommand start =
        parseStart(
            "node", "start", "worker-1", "--reason", "firmware upgrade", "--no-delete-emptydir-data",
            "--no-ignore-daemonsets", "--no-force", "--max-concurrent-evictions", "4", "--drain-deadline", "PT20M",
            "--grace-period", "30", "--auto-resume-after", "2h", "--wait", "--address", "temporal:7233",
            "--namespace", "ops", "--task-queue", "nm-2");

    MaintenanceRequest r = start.request();
    assertEquals("firmware upgrade", r.getReason());
    assertEquals(Boolean.FALSE, r.getDeleteEmptyDirData());
    assertEquals(Boolean.FALSE, r.getIgnoreDaemonSets());
    assertEquals(Boolean.FALSE, r.getForce());
    assertEquals(4, r.getMaxConcurrentEvictions());
    assertEquals(Duration.ofMinutes(20), r.getDrainDeadline());
    assertEquals(30, r.getGracePeriodSeconds());
    assertEquals(Duration.ofHours(2), r.getAutoResumeAfter());
    assertTrue(start.waitForDrain);
    assertEquals("temporal:7233", start.temporal.address());
    assertEquals("ops", start.temporal.namespace());
    assertEquals("nm-2", start.temporal.taskQueue());
  }

  @ParameterizedTest(name = "--drain-deadline {0}")
  @ValueSource(strings = {"soon", "15", "15 minutes"})
  void aMalformedDurationIsAUsageErrorThatShowsValidForms(String value) {
    CliRun run = CliRun.run(CliRun.offline(), "node", "start", "worker-1", "--drain-deadline", value);

    exit(ExitCode.USAGE, run);
    contains(run.err(), "Invalid value for option '--drain-deadline'", "90s, 15m, 1h30m or ISO-8601 PT15M", "runbook node start --help");
  }

  @Test
  void aZeroDurationIsRefused() {
    CliRun run = CliRun.run(CliRun.offline(), "node", "extend", "worker-1", "--by", "0s");

    exit(ExitCode.USAGE, run);
    contains(run.err(), "must be longer than zero");
  }

  @Test
  void anOutOfRangeOptionIsReportedByItsCommandLineName() {
    CliRun run = CliRun.run(CliRun.offline(), "node", "start", "worker-1", "--max-concurrent-evictions", "0");

    exit(ExitCode.USAGE, run);
    contains(run.err(), "--max-concurrent-evictions must be between 1 and 1000, got 0");
  }

  @ParameterizedTest(name = "node name ''{0}''")
  @ValueSource(strings = {"Worker-1", "worker_1", "worker.1.", "worker-1-"})
  void aNameThatCannotBeANodeIsAUsageError(String node) {
    CliRun run = CliRun.run(CliRun.offline(), "node", "status", node);

    exit(ExitCode.USAGE, run);
    contains(run.err(), "is not a valid node name");
  }

  @Test
  void escalateWantsNamespaceSlashName() {
    CliRun run = CliRun.run(CliRun.offline(), "node", "escalate", "worker-1", "--pod", "db-1");

    exit(ExitCode.USAGE, run);
    contains(run.err(), "--pod 'db-1' must be NAMESPACE/NAME");
  }

  @Test
  void extendWithoutBySaysWhatIsMissing() {
    CliRun run = CliRun.run(CliRun.offline(), "node", "extend", "worker-1");

    exit(ExitCode.USAGE, run);
    contains(run.err(), "Missing required option: '--by=DURATION'");
  }

  @Test
  void unknownOutputFormatAndMistypedCommandsAreUsageErrors() {
    CliRun format = CliRun.run(CliRun.offline(), "node", "status", "worker-1", "-o", "yaml");
    exit(ExitCode.USAGE, format);
    contains(format.err(), "text, json");

    CliRun typo = CliRun.run(CliRun.offline(), "node", "stat", "worker-1");
    exit(ExitCode.USAGE, typo);
    contains(typo.err(), "Did you mean", "node status");

    exit(ExitCode.USAGE, CliRun.run(CliRun.offline()));
    exit(ExitCode.USAGE, CliRun.run(CliRun.offline(), "node"));
  }

  @Test
  void helpDocumentsTheExitCodesOnEveryCommand() {
    for (String[] args : new String[][] {{"--help"}, {"node", "start", "--help"}, {"node", "plan", "--help"}, {"demo", "--help"}}) {
      CliRun run = CliRun.run(CliRun.offline(), args);
      exit(ExitCode.OK, run);
      contains(run.out(), "Exit codes:", "2   bad usage or input", "3   cannot reach Temporal", "4   cannot reach the Kubernetes cluster");
    }
  }

  @Test
  void simValidatesItsOptionsBeforeStarting() {
    CliRun speed = CliRun.run(CliRun.offline(), "sim", "--speed", "0");
    exit(ExitCode.USAGE, speed);
    contains(speed.err(), "--speed 0.0 must be a positive number");

    CliRun scenario = CliRun.run(CliRun.offline(), "sim", "--scenario", "/no/such/scenario.yaml");
    exit(ExitCode.USAGE, scenario);
    contains(scenario.err(), "cannot read scenario file /no/such/scenario.yaml");

    CliRun port = CliRun.run(CliRun.offline(), "sim", "--port", "70000");
    exit(ExitCode.USAGE, port);
  }
}
