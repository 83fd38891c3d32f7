package dev.runbook.cli.node;

import dev.runbook.cli.CliContext;
import dev.runbook.cli.ExitCode;
import dev.runbook.cli.Json;
import dev.runbook.cli.MaintenanceClient;
import dev.runbook.cli.MaintenanceSummary;
import dev.runbook.cli.OutputFormat;
import dev.runbook.cli.TemporalOptions;
import dev.runbook.cli.render.TextTable;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "List node maintenances (workflows of type NodeMaintenance), newest first, with the stage of running ones.")
public final class NodeListCommand implements Callable<Integer> {
  @Mixin TemporalOptions temporal;

  @Option(names = "--running", description = "Only maintenances still running.")
  boolean runningOnly;

  @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text", description = "Output format: ${COMPLETION-CANDIDATES}.")
  OutputFormat output;

  @Spec CommandSpec spec;

  private final CliContext context;

  public NodeListCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    MaintenanceClient maintenance = new MaintenanceClient(context.temporal().connect(temporal), temporal.taskQueue());
    List<MaintenanceSummary> all = maintenance.list();
    List<MaintenanceSummary> shown = runningOnly ? all.stream().filter(m -> "Running".equals(m.status())).toList() : all;
    var out = spec.commandLine().getOut();
    if (output == OutputFormat.json) {
      out.println(Json.pretty(shown));
    } else if (shown.isEmpty()) {
      out.println("no node maintenances in namespace " + maintenance.namespace());
    } else {
      out.print(render(shown));
    }
    out.flush();
    return ExitCode.OK;
  }

  static String render(List<MaintenanceSummary> rows) {
    TextTable table = new TextTable("NODE", "STATUS", "STAGE", "STARTED", "CLOSED", "WORKFLOW");
    for (MaintenanceSummary m : rows) {
      table.row(
          m.node(),
          m.status(),
          m.stage() != null ? m.stage().name() : (m.note() != null ? "? (" + m.note() + ")" : ""),
          time(m.started()),
          time(m.closed()),
          m.workflowId() + " " + m.runId());
    }
    return table.render();
  }

  private static String time(Instant t) {
    return t == null || t.getEpochSecond() == 0 ? "" : t.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
