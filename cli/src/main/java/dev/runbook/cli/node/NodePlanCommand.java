package dev.runbook.cli.node;

import dev.runbook.cli.CliContext;
import dev.runbook.cli.CliException;
import dev.runbook.cli.ExitCode;
import dev.runbook.cli.Json;
import dev.runbook.cli.OutputFormat;
import dev.runbook.cli.render.PlanRenderer;
import dev.runbook.workflows.activities.DrainActivities;
import dev.runbook.workflows.activities.DrainPlan;
import dev.runbook.workflows.activities.DrainPlanRequest;
import dev.runbook.workflows.activities.Failures;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = {
      "Show what a drain would do to each pod, without changing anything.",
      "Lists every pod on the node with its owner, the action a drain takes, the PodDisruptionBudgets that select "
          + "it and why. Talks to the cluster directly (KUBECONFIG or in-cluster service account); Temporal is not "
          + "needed. Exit 0 when the plan is feasible, 1 when a drain would be refused under these options."
    })
public final class NodePlanCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NODE", description = "The node's name, as in `kubectl get nodes`.")
  String node;

  @Mixin DrainOptions drain;

  @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text", description = "Output format: ${COMPLETION-CANDIDATES}.")
  OutputFormat output;

  @Spec CommandSpec spec;

  private final CliContext context;

  public NodePlanCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    NodeOperation.requireValidNodeName(node);
    DrainActivities activities = context.drainPlanners().connect();
    DrainPlan plan;
    try {
      plan = activities.planDrain(new DrainPlanRequest(node, drain.deleteEmptyDirData(), drain.ignoreDaemonSets(), drain.force()));
    } catch (ApplicationFailure e) {
      throw translate(e);
    } catch (RuntimeException e) {
      if (causedByIo(e)) {
        throw new CliException(
            ExitCode.CLUSTER_UNREACHABLE,
            "cannot reach the cluster (" + e.getMessage() + "): check KUBECONFIG / the current context",
            e);
      }
      throw e;
    }
    var out = spec.commandLine().getOut();
    out.print(output == OutputFormat.json ? Json.pretty(plan) + "\n" : PlanRenderer.render(plan));
    out.flush();
    return plan.feasible() ? ExitCode.OK : ExitCode.FAILED;
  }

  private CliException translate(ApplicationFailure e) {
    String type = e.getType() == null ? "" : e.getType();
    return switch (type) {
      case Failures.NODE_NOT_FOUND ->
          CliException.usage("there is no node '" + node + "' in the cluster: check the name with `kubectl get nodes`");
      case Failures.API_UNAVAILABLE ->
          new CliException(ExitCode.CLUSTER_UNREACHABLE, "the cluster's API server does not answer: " + e.getOriginalMessage(), e);
      default -> new CliException(ExitCode.FAILED, "planning the drain failed (" + type + "): " + e.getOriginalMessage(), e);
    };
  }

  private static boolean causedByIo(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof IOException) {
        return true;
      }
    }
    return false;
  }
}
