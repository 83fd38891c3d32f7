package dev.runbook.cli.node;

import dev.runbook.cli.CliContext;
import dev.runbook.cli.ExitCode;
import picocli.CommandLine.Command;

@Command(
    name = "resume",
    mixinStandardHelpOptions = true,
    description = {
      "End the node's maintenance (signal `resume`).",
      "Stops the drain if it still runs, uncordons the node (unless it was cordoned before), removes the taint "
          + "and annotation and releases the lease. VMs are not moved back."
    })
public final class NodeResumeCommand extends NodeOperation {
  public NodeResumeCommand(CliContext context) {
    super(context);
  }

  @Override
  int run() {
    maintenance().resume(node);
    out().println("resume sent: node " + node + " leaves maintenance; follow it with `runbook node status " + node + " --watch`");
    out().flush();
    return ExitCode.OK;
  }
}
