package dev.runbook.worker;

import dev.runbook.activities.ActivitiesFactory;
import dev.runbook.activities.KubernetesClients;
import dev.runbook.workflows.NodeMaintenanceWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NodeMaintenance workflow and its activities, polling one task queue. Used by the {@code runbook worker}
 * process and, in-process, by {@code runbook demo} and the tests.
 */
public final class MaintenanceWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MaintenanceWorker.class);

  private final WorkerFactory factory;
  private final WorkerConfig config;

  private MaintenanceWorker(WorkerFactory factory, WorkerConfig config) {
    this.factory = factory;
    this.config = config;
  }

  /** Registers the workflow and activities and starts polling. The caller keeps ownership of both clients. */
  public static MaintenanceWorker start(WorkflowClient client, KubernetesClients kube, WorkerConfig config) {
    WorkerFactory factory =
        WorkerFactory.newInstance(
            client, WorkerFactoryOptions.newBuilder()
                .setWorkerInterceptors(new NodeLoggingInterceptor())
                .setWorkflowCacheSize(config.workflowCacheSize())
                .build());
    Worker worker =
        factory.newWorker(
            config.taskQueue(),
            WorkerOptions.newBuilder()
                .setMaxConcurrentActivityExecutionSize(config.maxConcurrentActivities())
                .setMaxConcurrentWorkflowTaskExecutionSize(config.maxConcurrentWorkflowTasks())
                .build());
    worker.registerWorkflowImplementationTypes(
        NodeMaintenanceWorkflowImpl.implementationOptions(), NodeMaintenanceWorkflowImpl.class);
    worker.registerActivitiesImplementations(ActivitiesFactory.create(kube).toArray());
    factory.start();
    log.info(
        "worker polling task queue '{}' in namespace '{}' (activity slots {}, workflow task slots {})",
        config.taskQueue(),
        client.getOptions().getNamespace(),
        config.maxConcurrentActivities(),
        config.maxConcurrentWorkflowTasks());
    return new MaintenanceWorker(factory, config);
  }

  /**
   * Stops polling and lets running activity attempts finish within the grace period. Whatever does not finish is
   * simply retried by Temporal on the next worker: every activity is idempotent.
   */
  @Override
  public void close() {
    if (factory.isShutdown()) {
      return;
    }
    factory.shutdown();
    factory.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
    if (!factory.isTerminated()) {
      log.warn("activities still running after {}; stopping them (Temporal retries them elsewhere)", config.shutdownGrace());
      factory.shutdownNow();
    }
  }
}
