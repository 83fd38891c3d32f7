package dev.runbook.cli.node;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code runbook node ...}: one command per thing an operator does to a node's maintenance. */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = "Put a node into maintenance, follow it, end it.",
    subcommands = {
      NodeStartCommand.class,
      NodeStatusCommand.class,
      NodeResumeCommand.class,
      NodeEscalateCommand.class,
      NodeExtendCommand.class,
      NodeCancelCommand.class,
      NodeListCommand.class,
      NodePlanCommand.class
    })
public final class NodeCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "missing subcommand: start, status, resume, escalate, extend, cancel, list or plan");
  }
}
