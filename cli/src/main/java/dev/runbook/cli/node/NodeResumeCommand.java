package dev.runbook.cli.node;

import dev.runbook.cli.CliContext;
import dev.runbook.cli.ExitCode;
import picocli.CommandLine.Command;

@Command(
    name = "resume",
    mixinStandardHelpOptions = true,
    description = {
      "End the node's maintenance (signal `resume`): stop the drain if it still runs, uncordon the node",
      "(unless it was cordoned before), remove the taint and annotation, release the lease. VMs are not moved back."
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
