package dev.runbook.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.runbook.activities.KubernetesClients;
import dev.runbook.simulator.SimulatedCluster;
import dev.runbook.workflows.NodeMaintenanceWorkflow;
import dev.runbook.workflows.model.MaintenanceRequest;
import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.Stage;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowServiceException;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

  /** Starts {@code maintenance-<node>} directly (no CLI, no controller), as {@code temporal workflow start} would. */
  public NodeMaintenanceWorkflow startMaintenance(String node, String reason, Duration drainDeadline) {
    MaintenanceRequest request = MaintenanceRequest.forNode(node, reason);
    request.setDrainDeadline(drainDeadline);
    NodeMaintenanceWorkflow maintenance =
        temporal()
            .newWorkflowStub(
                NodeMaintenanceWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(NodeMaintenanceWorkflow.workflowId(node))
                    .setTaskQueue(NodeMaintenanceWorkflow.DEFAULT_TASK_QUEUE)
                    .build());
    WorkflowClient.start(maintenance::run, request);
    return maintenance;
  }

  /** Polls the status query until the maintenance reaches {@code stage}; fails at once if it ends elsewhere. */
  public static MaintenanceStatus awaitStage(NodeMaintenanceWorkflow maintenance, Stage stage, Duration atMost) {
    return await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(200))
        // A query can time out while a workflow task is in flight on a busy machine; the next poll asks again.
        .ignoreExceptionsInstanceOf(WorkflowServiceException.class)
        .until(maintenance::status, s -> {
          assertFalse(s.stage().isFinal() && s.stage() != stage, () -> "ended early: " + s);
          return s.stage() == stage;
        });
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
