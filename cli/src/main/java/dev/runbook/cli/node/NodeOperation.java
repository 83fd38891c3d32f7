package dev.runbook.cli.node;

import dev.runbook.cli.CliContext;
import dev.runbook.cli.CliException;
import dev.runbook.cli.MaintenanceClient;
import dev.runbook.cli.TemporalOptions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** A command on one node's maintenance workflow: the node argument, the Temporal options, a client. */
abstract class NodeOperation implements Callable<Integer> {
  /** Kubernetes node names are RFC 1123 subdomains; anything else cannot name a node (or a workflow id we made). */
  private static final Pattern NODE_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  @Parameters(index = "0", paramLabel = "NODE", description = "The node's name, as in `kubectl get nodes`.")
  String node;

  @Mixin TemporalOptions temporal;

  @Spec CommandSpec spec;

  final CliContext context;

  NodeOperation(CliContext context) {
    this.context = context;
  }

  @Override
  public final Integer call() {
    requireValidNodeName(node);
    return run();
  }

  abstract int run();

  MaintenanceClient maintenance() {
    return new MaintenanceClient(context.temporal().connect(temporal), temporal.taskQueue());
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  static void requireValidNodeName(String node) {
    if (node == null || !NODE_NAME.matcher(node).matches()) {
      throw CliException.usage(
          "'"
              + node
              + "' is not a valid node name (lowercase letters, digits, '-' and '.', as in `kubectl get nodes`)");
    }
  }
}
