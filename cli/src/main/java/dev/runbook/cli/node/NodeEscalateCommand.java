package dev.runbook.cli.node;

import dev.runbook.cli.CliContext;
import dev.runbook.cli.CliException;
import dev.runbook.cli.ExitCode;
import dev.runbook.workflows.model.EscalateRequest;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "escalate",
    mixinStandardHelpOptions = true,
    description = {
      "Delete the pods that block the drain, despite their disruption budgets.",
      "Like kubectl drain's --disable-eviction: the pods are deleted despite their PodDisruptionBudget or VM "
          + "eviction strategy. Without --pod: every pod blocked right now."
    })
public final class NodeEscalateCommand extends NodeOperation {
  @Option(names = "--pod", paramLabel = "NAMESPACE/NAME", description = "A blocking pod to delete (repeatable).")
  List<String> pods = new ArrayList<>();

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why (recorded in the workflow history).")
  String reason;

  public NodeEscalateCommand(CliContext context) {
    super(context);
  }

  @Override
  int run() {
    for (String pod : pods) {
      String[] parts = pod.split("/", -1);
      if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
        throw CliException.usage("--pod '" + pod + "' must be NAMESPACE/NAME, e.g. --pod default/db-1");
      }
    }
    maintenance().escalate(node, new EscalateRequest(List.copyOf(pods), reason));
    out().println(
        "escalation sent: "
            + (pods.isEmpty() ? "every pod blocking the drain of node " + node : String.join(", ", pods))
            + " will be deleted despite its disruption budget; follow it with `runbook node status " + node + " --watch`");
    out().flush();
    return ExitCode.OK;
  }
}
