package dev.runbook.worker;

import dev.runbook.activities.KubernetesClients;
import dev.runbook.worker.nodemaintenance.ControllerConfig;
import dev.runbook.worker.nodemaintenance.NodeMaintenanceController;
import dev.runbook.worker.nodemaintenance.NodeMaintenanceWebhook;
import dev.runbook.worker.nodemaintenance.WebhookConfig;
import io.temporal.client.WorkflowClient;
import io.temporal.envconfig.ClientConfigProfile;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code runbook worker}: connects to Temporal (temporal-envconfig: {@code TEMPORAL_ADDRESS},
 * {@code TEMPORAL_NAMESPACE}, TLS and API-key variables, the CLI's config file) and to the cluster (fabric8:
 * {@code KUBECONFIG} or the in-cluster service account), then runs until SIGTERM / Ctrl-C.
 */
public final class WorkerMain {
  private static final Logger log = LoggerFactory.getLogger(WorkerMain.class);

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private WorkerMain() {}

  public static void main(String[] args) {
    Map<String, String> env = System.getenv();
    System.exit(
        run(WorkerConfig.fromEnvironment(env), ControllerConfig.fromEnvironment(env), WebhookConfig.fromEnvironment(env)));
  }

  /**
   * Runs until the JVM is asked to stop; returns the process exit code. With the controller on, this worker also
   * turns NodeMaintenance resources into workflows; with the webhook on, it validates them for the API server.
   */
  public static int run(WorkerConfig config, ControllerConfig controllerConfig, WebhookConfig webhookConfig) {
    ClientConfigProfile profile;
    try {
      profile = ClientConfigProfile.load();
    } catch (IOException | RuntimeException e) {
      log.error("cannot read the Temporal client configuration (TEMPORAL_* variables, TEMPORAL_CONFIG_FILE): {}", e.getMessage());
      return 2;
    }
    // Everything opened so far, closed in reverse order on a failed start and on shutdown.
    Deque<AutoCloseable> opened = new ArrayDeque<>();
    WorkflowServiceStubs service;
    try {
      service = TemporalConnection.connect(profile, CONNECT_TIMEOUT);
    } catch (TemporalConnection.UnreachableException e) {
      log.error(
          "{}: start one with `temporal server start-dev`, or set TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, TLS / "
              + "API key variables) to your server",
          e.getMessage());
      return 3;
    }
    opened.push(service::shutdown);
    KubernetesClients kube;
    try {
      kube = KubernetesClients.fromEnvironment();
    } catch (RuntimeException e) {
      log.error("cannot configure the Kubernetes client (KUBECONFIG, ~/.kube/config, in-cluster service account): {}", e.getMessage());
      return closeAll(opened, 4);
    }
    opened.push(kube);
    try {
      kube.checkReachable();
    } catch (IllegalStateException e) {
      log.error("{}; point KUBECONFIG at your cluster, or start the simulated one with `runbook sim`", e.getMessage());
      return closeAll(opened, 4);
    }
    if (webhookConfig.enabled()) {
      try {
        // The client without retries: the API server gives the webhook seconds, not fabric8's backoff.
        opened.push(NodeMaintenanceWebhook.start(kube.evictionClient(), webhookConfig));
      } catch (RuntimeException e) {
        log.error("cannot serve the NodeMaintenance webhook: {}", e.getMessage());
        return closeAll(opened, 2);
      }
    }
    WorkflowClient client = WorkflowClient.newInstance(service, profile.toWorkflowClientOptions());
    opened.push(MaintenanceWorker.start(client, kube, config));
    if (controllerConfig.enabled()) {
      try {
        opened.push(NodeMaintenanceController.start(kube.client(), client, config.taskQueue(), controllerConfig));
      } catch (RuntimeException e) {
        log.error("cannot start the NodeMaintenance controller: {}", TemporalConnection.rootMessage(e));
        return closeAll(opened, 4);
      }
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("stopping: no new tasks; waiting up to {} for running activities", config.shutdownGrace());
                  // newest first: the controller, the worker (within its grace period), the webhook, the connections
                  closeAll(opened, 0);
                  stopped.countDown();
                },
                "worker-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /** Closes what was opened, newest first, each even if another fails; returns {@code exitCode}. */
  private static int closeAll(Deque<AutoCloseable> opened, int exitCode) {
    while (!opened.isEmpty()) {
      try {
        opened.pop().close();
      } catch (Exception e) {
        log.warn("while stopping: {}", e.getMessage());
      }
    }
    return exitCode;
  }
}
