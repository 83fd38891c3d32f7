package dev.runbook.cli;

import dev.runbook.cli.render.DemoReport;
import dev.runbook.cli.render.StatusRenderer;
import dev.runbook.workflows.NodeMaintenanceWorkflow;
import dev.runbook.workflows.model.EscalateRequest;
import dev.runbook.workflows.model.MaintenanceRequest;
import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.Stage;
import io.temporal.client.WorkflowClient;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run a whole maintenance with nothing installed but Java.",
      "Starts an in-process Temporal service (or uses --temporal), the simulated cluster and a worker; drains one "
          + "node with a live display, resumes it, and tells what happened. Exit 0 when the maintenance completed "
          + "and the simulated cluster saw no invariant broken."
    })
public final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--temporal",
      paramLabel = "HOST:PORT",
      description = "Use this Temporal server (e.g. `temporal server start-dev` at 127.0.0.1:7233, Web UI on :8233) instead of an in-process one.")
  String temporalAddress;

  @Option(names = "--speed", paramLabel = "F", defaultValue = "10", description = "Simulated cluster time per real time (default ${DEFAULT-VALUE}).")
  double speed;

  @Option(
      names = "--drain-deadline",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "When the drain counts as blocked; the demo then escalates, as an operator would (default: the usual 15m "
              + "of cluster time, i.e. 15m / --speed, at least 20s).")
  Duration drainDeadline;

  @Option(
      names = "--task-queue",
      paramLabel = "QUEUE",
      defaultValue = NodeMaintenanceWorkflow.DEFAULT_TASK_QUEUE,
      description = "Task queue of the demo's worker (default ${DEFAULT-VALUE}).")
  String taskQueue;

  @Spec CommandSpec spec;

  private final CliContext context;

  public DemoCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    if (!(speed > 0) || Double.isInfinite(speed)) {
      throw CliException.usage("--speed " + speed + " must be a positive number, e.g. 10");
    }
    PrintWriter out = spec.commandLine().getOut();
    TestWorkflowEnvironment inProcess = null;
    WorkflowClient client;
    if (temporalAddress == null) {
      // Real time, not time skipping: the simulated cluster runs on its own clock and the display is live.
      inProcess = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
      client = inProcess.getWorkflowClient();
      out.println("runbook demo: in-process Temporal service");
    } else {
      client = context.temporal().connect(new TemporalOptions(temporalAddress, null, null, taskQueue));
      out.println("runbook demo: Temporal at " + temporalAddress + " (history in its Web UI)");
    }
    try (DemoWorld world = context.demoWorlds().start(client, taskQueue, speed)) {
      return run(new MaintenanceClient(client, taskQueue), world, out);
    } finally {
      if (inProcess != null) {
        inProcess.close();
      }
    }
  }

  private int run(MaintenanceClient maintenance, DemoWorld world, PrintWriter out) {
    String node = world.node();
    out.println("simulated cluster up at " + speed + "x speed; putting node " + node + " into maintenance");
    out.flush();
    MaintenanceRequest request = MaintenanceRequest.forNode(node, "runbook demo");
    request.setDrainDeadline(drainDeadline == null ? scaledDeadline(speed) : drainDeadline);
    maintenance.start(request);
    StatusWatch watch = new StatusWatch(maintenance, context.sleeper());
    WatchPrinterFor display = new WatchPrinterFor(out);
    MaintenanceStatus s = watch.until(node, StatusWatch::needsOperatorOrSettled, display);
    if (!StatusWatch.settled(s)) {
      List<String> blocked = s.blockers() == null ? List.of() : s.blockers().stream().map(b -> b.pod()).toList();
      out.println("\nthe drain is blocked past its deadline by " + blocked + "; escalating as an operator would: "
          + "`runbook node escalate " + node + "` (deletes them despite their disruption budgets)");
      maintenance.escalate(node, new EscalateRequest(List.of(), "runbook demo escalates a blocked drain"));
      s = watch.until(node, StatusWatch::settled, display);
    }
    if (s.stage() == Stage.AWAITING_RESUME) {
      out.println("\nnode " + node + " is in maintenance (drained, cordoned); resuming: `runbook node resume " + node + "`");
      maintenance.resume(node);
      s = watch.until(node, x -> x.stage() != null && x.stage().isFinal(), display);
    }
    DemoReport report = new DemoReport(s, world.report());
    out.println();
    out.print(report.render());
    out.flush();
    return report.clean() ? ExitCode.OK : ExitCode.FAILED;
  }

  /**
   * Workflow timers run on Temporal's clock, not the simulated one: the default 15-minute deadline, scaled to the
   * simulation speed, keeps the demo's pace while meaning what it means in a real cluster.
   */
  static Duration scaledDeadline(double speed) {
    Duration scaled = Duration.ofMillis((long) (MaintenanceRequest.DEFAULT_DRAIN_DEADLINE.toMillis() / speed));
    return scaled.compareTo(MIN_DEADLINE) < 0 ? MIN_DEADLINE : scaled;
  }

  private static final Duration MIN_DEADLINE = Duration.ofSeconds(20);

  /** The live display: redrawn on a terminal, each change appended otherwise. */
  private final class WatchPrinterFor implements StatusWatch.PollListener {
    private final PrintWriter out;

    WatchPrinterFor(PrintWriter out) {
      this.out = out;
    }

    @Override
    public void polled(MaintenanceStatus status, boolean changed) {
      if (context.interactive()) {
        out.print("\033[H\033[2J");
      } else if (!changed) {
        return;
      }
      out.print(new StatusRenderer(context.clock().get()).render(status));
      out.flush();
    }
  }
}
