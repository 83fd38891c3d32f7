package dev.runbook.cli;

import dev.runbook.worker.TemporalConnection;
import dev.runbook.activities.ActivitiesFactory;
import dev.runbook.activities.KubernetesClients;
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
      KubernetesClients kube;
      try {
        kube = KubernetesClients.fromEnvironment();
      } catch (RuntimeException e) {
        throw new CliException(
            ExitCode.CLUSTER_UNREACHABLE,
            "cannot configure the Kubernetes client (KUBECONFIG, ~/.kube/config, in-cluster service account): "
                + TemporalConnection.rootMessage(e),
            e);
      }
      try {
        // The eviction client never retries: an unreachable API server is reported at once, not after fabric8's
        // ten attempts.
        kube.evictionClient().getKubernetesVersion();
      } catch (RuntimeException e) {
        String url = kube.client().getMasterUrl() == null ? "?" : kube.client().getMasterUrl().toString();
        kube.close();
        throw new CliException(
            ExitCode.CLUSTER_UNREACHABLE,
            "cannot reach the Kubernetes API at "
                + url
                + " ("
                + TemporalConnection.rootMessage(e)
                + "): point KUBECONFIG at your cluster, or run `runbook sim --kubeconfig FILE` and export KUBECONFIG=FILE",
            e);
      }
      return ActivitiesFactory.create(kube).drain();
    };
  }
}
