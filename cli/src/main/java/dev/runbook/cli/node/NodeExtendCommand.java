package dev.runbook.cli.node;

import dev.runbook.cli.CliContext;
import dev.runbook.cli.DurationConverter;
import dev.runbook.cli.Durations;
import dev.runbook.cli.ExitCode;
import dev.runbook.workflows.model.ExtendDeadlineRequest;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "extend",
    mixinStandardHelpOptions = true,
    description = "Give the drain more time: its deadline moves to now + --by (signal `extendDrainDeadline`).")
public final class NodeExtendCommand extends NodeOperation {
  @Option(
      names = "--by",
      required = true,
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How much longer, from now: e.g. 10m, 1h30m, PT10M.")
  Duration by;

  public NodeExtendCommand(CliContext context) {
    super(context);
  }

  @Override
  int run() {
    maintenance().extendDrainDeadline(node, new ExtendDeadlineRequest(by));
    out().println("deadline extension sent: the drain of node " + node + " may take " + Durations.format(by) + " more from now");
    out().flush();
    return ExitCode.OK;
  }
}
