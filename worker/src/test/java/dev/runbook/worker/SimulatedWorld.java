package dev.runbook.worker;

import dev.runbook.activities.KubernetesClients;
import dev.runbook.simulator.SimulatedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.client.WorkflowClient;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The stack the worker's integration tests share: the simulated demo cluster with its controllers (at 10x), the
 * worker's clients talking to it over HTTP, the real SDK on temporal-testing's in-memory service (real time), and,
 * once {@link #startWorker()} is called, the real workflow and activities polling. Closed in reverse order.
 */
public final class SimulatedWorld implements AutoCloseable {
  public final SimulatedCluster cluster;
  public final KubernetesClients kube;
  public final TestWorkflowEnvironment env;
  private MaintenanceWorker worker;

  private SimulatedWorld(SimulatedCluster cluster, KubernetesClients kube, TestWorkflowEnvironment env) {
    this.cluster = cluster;
    this.kube = kube;
    this.env = env;
  }

  /** The demo cluster and Temporal, with the worker's clients built by {@code clients} from the cluster's kubeconfig. */
  public static SimulatedWorld start(Path tmp, Function<String, KubernetesClients> clients) throws IOException {
    SimulatedCluster cluster = SimulatedCluster.builder().demoScenario().speed(10).withDefaultControllers().start();
    KubernetesClients kube = null;
    try {
      kube = clients.apply(Files.readString(cluster.writeKubeconfig(tmp.resolve("kubeconfig"))));
      TestWorkflowEnvironment env =
          TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
      env.start();
      return new SimulatedWorld(cluster, kube, env);
    } catch (RuntimeException | IOException e) {
      if (kube != null) {
        kube.close();
      }
      cluster.close();
      throw e;
    }
  }

  public static SimulatedWorld start(Path tmp) throws IOException {
    return start(tmp, KubernetesClients::fromKubeconfig);
  }

  /** As an operator installs them: the NodeMaintenance CRDs of {@code deploy/crds/}, as cluster admin. */
  public static void applyNodeMaintenanceCrds(KubernetesClient admin) throws IOException {
    try (Stream<Path> files = Files.list(Path.of("..", "deploy", "crds"))) {
      for (Path crd : files.filter(f -> f.toString().endsWith("_nodemaintenances.yaml")).sorted().toList()) {
        admin.resource(Files.readString(crd)).create();
      }
    }
  }

  public SimulatedWorld startWorker() {
    worker = MaintenanceWorker.start(env.getWorkflowClient(), kube, WorkerConfig.defaults());
    return this;
  }

  public WorkflowClient temporal() {
    return env.getWorkflowClient();
  }

  /** The cluster as its administrator sees it (not the worker's clients). */
  public KubernetesClient admin() {
    return cluster.client();
  }

  @Override
  public void close() {
    if (worker != null) {
      worker.close();
    }
    env.close();
    kube.close();
    cluster.close();
  }
}
