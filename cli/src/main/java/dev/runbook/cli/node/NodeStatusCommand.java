package dev.runbook.cli.node;

import dev.runbook.cli.CliContext;
import dev.runbook.cli.ExitCode;
import dev.runbook.cli.Json;
import dev.runbook.cli.MaintenanceClient;
import dev.runbook.cli.OutputFormat;
import dev.runbook.cli.StatusWatch;
import dev.runbook.cli.render.StatusRenderer;
import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.Stage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Show where the node's maintenance is and what blocks it.",
      "Stage, NMO phase, pods and VMs moved, each VM's fate, the blockers in plain words, last error, deadline. "
          + "Exit 0 when the status was shown; with --watch, 0 when the node is in maintenance or the maintenance "
          + "completed, 1 when it failed or was cancelled."
    })
public final class NodeStatusCommand extends NodeOperation {
  @Option(
      names = {"-w", "--watch"},
      description = "Refresh every second until the node is drained (AWAITING_RESUME) or the maintenance ends.")
  boolean watch;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "text|json",
      defaultValue = "text",
      description = "Output format: ${COMPLETION-CANDIDATES} (with --watch, json is one line per change).")
  OutputFormat output;

  public NodeStatusCommand(CliContext context) {
    super(context);
  }

  @Override
  int run() {
    MaintenanceClient maintenance = maintenance();
    if (!watch) {
      MaintenanceStatus status = maintenance.status(node);
      out().print(output == OutputFormat.json ? Json.pretty(status) + "\n" : new StatusRenderer(context.clock().get()).render(status));
      out().flush();
      return ExitCode.OK;
    }
    MaintenanceStatus last =
        new StatusWatch(maintenance, context.sleeper()).until(node, StatusWatch::settled, new WatchPrinter(out(), context, output));
    return last.stage() == Stage.FAILED || last.stage() == Stage.CANCELLED ? ExitCode.FAILED : ExitCode.OK;
  }
}
