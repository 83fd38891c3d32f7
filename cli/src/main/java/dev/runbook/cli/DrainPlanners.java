package dev.runbook.cli;

import dev.runbook.workflows.activities.DrainActivities;

/**
 * The drain planner {@code runbook node plan} calls in-process, against the cluster (KUBECONFIG or the in-cluster
 * service account): the same {@code planDrain} the workflow runs, without Temporal and without changing anything.
 * Throws {@link CliException} with {@link ExitCode#CLUSTER_UNREACHABLE} when the cluster does not answer.
 */
@FunctionalInterface
public interface DrainPlanners {
  DrainActivities connect();

  static DrainPlanners standard() {
    return () -> {
      // MERGE-WIRE(plan): once the activities module lands, replace the next line with
      //   KubernetesClients kube = KubernetesClients.fromEnvironment(); kube.checkReachable();  (failure -> exit 4)
      //   return the DrainActivities of ActivitiesFactory.create(kube)
      throw new CliException(
          ExitCode.FAILED, "`runbook node plan` is not wired to the activities module in this build (see DrainPlanners)");
    };
  }
}
