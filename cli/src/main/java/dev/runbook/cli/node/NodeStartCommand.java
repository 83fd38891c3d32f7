package dev.runbook.cli.node;

import dev.runbook.cli.CliContext;
import dev.runbook.cli.CliException;
import dev.runbook.cli.DurationConverter;
import dev.runbook.cli.ExitCode;
import dev.runbook.cli.Json;
import dev.runbook.cli.MaintenanceClient;
import dev.runbook.cli.OutputFormat;
import dev.runbook.cli.StatusWatch;
import dev.runbook.workflows.model.MaintenanceRequest;
import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.Stage;
import io.temporal.api.common.v1.WorkflowExecution;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "start",
    mixinStandardHelpOptions = true,
    description = {
      "Start the maintenance of a node: validate, cordon, drain.",
      "The node then stays cordoned until `runbook node resume`. Starts workflow NodeMaintenance with id "
          + "maintenance-<NODE> and the drain options below; refused while a maintenance of the node runs."
    })
public final class NodeStartCommand extends NodeOperation {
  @Option(names = "--reason", paramLabel = "TEXT", description = "Why (shown in status, events and the Web UI).")
  String reason;

  @Mixin DrainOptions drain;

  @Option(
      names = "--max-concurrent-evictions",
      paramLabel = "N",
      description = "Pods evicted in parallel (default " + MaintenanceRequest.DEFAULT_MAX_CONCURRENT_EVICTIONS + ").")
  Integer maxConcurrentEvictions;

  @Option(
      names = "--drain-deadline",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "After this long the drain is reported blocked and waits for you (default 15m). E.g. 15m, 1h, PT15M.")
  Duration drainDeadline;

  @Option(
      names = "--grace-period",
      paramLabel = "SECONDS",
      description = "Termination grace period for evicted pods (default: each pod's own).")
  Integer gracePeriodSeconds;

  @Option(
      names = "--auto-resume-after",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "End the maintenance by itself this long after the node is drained (default: wait for `resume`).")
  Duration autoResumeAfter;

  @Option(
      names = "--wait",
      description =
          "Follow the drain until the node is in maintenance (exit 0), the drain is blocked past its deadline "
              + "or the maintenance failed or was cancelled (exit 1).")
  boolean waitForDrain;

  @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text", description = "Output format: ${COMPLETION-CANDIDATES}.")
  OutputFormat output;

  public NodeStartCommand(CliContext context) {
    super(context);
  }

  /** The workflow input: only what the operator chose is set, so the workflow's defaults apply to the rest. */
  MaintenanceRequest request() {
    MaintenanceRequest r = MaintenanceRequest.forNode(node, reason);
    if (!drain.deleteEmptyDirData()) {
      r.setDeleteEmptyDirData(false);
    }
    if (!drain.ignoreDaemonSets()) {
      r.setIgnoreDaemonSets(false);
    }
    if (!drain.force()) {
      r.setForce(false);
    }
    r.setMaxConcurrentEvictions(maxConcurrentEvictions);
    r.setDrainDeadline(drainDeadline);
    r.setGracePeriodSeconds(gracePeriodSeconds);
    r.setAutoResumeAfter(autoResumeAfter);
    return r;
  }

  @Override
  int run() {
    MaintenanceRequest request = request();
    List<String> problems = request.problems();
    if (!problems.isEmpty()) {
      throw CliException.usage(String.join("; ", problems)
          .replace("maxConcurrentEvictions", "--max-concurrent-evictions")
          .replace("gracePeriodSeconds", "--grace-period"));
    }
    MaintenanceClient maintenance = maintenance();
    WorkflowExecution started = maintenance.start(request);
    if (output == OutputFormat.json && !waitForDrain) {
      out().println(Json.pretty(Map.of("workflowId", started.getWorkflowId(), "runId", started.getRunId())));
    } else if (output == OutputFormat.text) {
      out().println(
          "started maintenance of node " + node + " (workflow " + started.getWorkflowId() + ", run " + started.getRunId()
              + ", task queue " + maintenance.taskQueue() + ")");
      if (!waitForDrain) {
        out().println("follow it with `runbook node status " + node + " --watch`; end it with `runbook node resume " + node + "`");
      }
    }
    out().flush();
    if (!waitForDrain) {
      return ExitCode.OK;
    }
    MaintenanceStatus last =
        new StatusWatch(maintenance, context.sleeper())
            .until(node, StatusWatch::needsOperatorOrSettled, new WatchPrinter(out(), context, output));
    return outcome(node, last);
  }

  /** Exit code and stderr line for where a followed maintenance stopped. */
  static int outcome(String node, MaintenanceStatus last) {
    Stage stage = last.stage();
    if (stage == Stage.AWAITING_RESUME || stage == Stage.COMPLETED) {
      return ExitCode.OK;
    }
    if (stage == Stage.FAILED || stage == Stage.CANCELLED) {
      throw CliException.failed(
          "maintenance of node " + node + " ended " + stage + (last.lastError() == null ? "" : ": " + last.lastError()));
    }
    throw CliException.failed(
        "the drain of node " + node + " is blocked past its deadline ("
            + (last.blockers() == null ? 0 : last.blockers().size())
            + " blocker(s) above): `runbook node escalate " + node + "`, `runbook node extend " + node
            + " --by 10m` or `runbook node resume " + node + "`");
  }
}
