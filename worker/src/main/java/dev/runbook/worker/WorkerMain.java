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
    KubernetesClients kube;
    try {
      kube = KubernetesClients.fromEnvironment();
    } catch (RuntimeException e) {
      log.error("cannot configure the Kubernetes client (KUBECONFIG, ~/.kube/config, in-cluster service account): {}", e.getMessage());
      service.shutdown();
      return 4;
    }
    try {
      kube.checkReachable();
    } catch (IllegalStateException e) {
      log.error("{}; point KUBECONFIG at your cluster, or start the simulated one with `runbook sim`", e.getMessage());
      kube.close();
      service.shutdown();
      return 4;
    }
    NodeMaintenanceWebhook webhook = null;
    if (webhookConfig.enabled()) {
      try {
        // The client without retries: the API server gives the webhook seconds, not fabric8's backoff.
        webhook = NodeMaintenanceWebhook.start(kube.evictionClient(), webhookConfig);
      } catch (RuntimeException e) {
        log.error("cannot serve the NodeMaintenance webhook: {}", e.getMessage());
        kube.close();
        service.shutdown();
        return 2;
      }
    }
    NodeMaintenanceWebhook startedWebhook = webhook;
    WorkflowClient client = WorkflowClient.newInstance(service, profile.toWorkflowClientOptions());
    MaintenanceWorker worker = MaintenanceWorker.start(client, kube, config);
    NodeMaintenanceController controller = null;
    if (controllerConfig.enabled()) {
      try {
        controller = NodeMaintenanceController.start(kube.client(), client, config.taskQueue(), controllerConfig);
      } catch (RuntimeException e) {
        log.error("cannot start the NodeMaintenance controller: {}", TemporalConnection.rootMessage(e));
        if (startedWebhook != null) {
          startedWebhook.close();
        }
        worker.close();
        kube.close();
        service.shutdown();
        return 4;
      }
    }
    NodeMaintenanceController startedController = controller;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("stopping: no new tasks; waiting up to {} for running activities", config.shutdownGrace());
                  if (startedController != null) {
                    startedController.close();
                  }
                  if (startedWebhook != null) {
                    startedWebhook.close();
                  }
                  worker.close();
                  kube.close();
                  service.shutdown();
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
}
