package dev.runbook.cli.node;

import dev.runbook.cli.CliContext;
import dev.runbook.cli.ExitCode;
import picocli.CommandLine.Command;

@Command(
    name = "cancel",
    mixinStandardHelpOptions = true,
    description = {
      "Cancel the node's maintenance workflow.",
      "Like resume, the workflow stops the drain and restores the node before it ends; it then ends as cancelled "
          + "rather than completed."
    })
public final class NodeCancelCommand extends NodeOperation {
  public NodeCancelCommand(CliContext context) {
    super(context);
  }

  @Override
  int run() {
    maintenance().cancel(node);
    out().println("cancellation requested: the maintenance of node " + node + " restores the node and ends; follow it with `runbook node status " + node + " --watch`");
    out().flush();
    return ExitCode.OK;
  }
}
