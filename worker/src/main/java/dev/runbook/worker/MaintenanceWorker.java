package dev.runbook.worker;

import dev.runbook.activities.ActivitiesFactory;
import dev.runbook.activities.KubernetesClients;
import dev.runbook.workflows.NodeMaintenanceWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NodeMaintenance workflow and its activities, polling one task queue. Used by the {@code runbook worker}
 * process and, in-process, by {@code runbook demo} and the tests.
 */
public final class MaintenanceWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MaintenanceWorker.class);

  /**
   * How long a workflow task waits on this worker's sticky queue before Temporal offers it to every worker. After a
   * kill -9 the next task of each maintenance the dead worker ran waits this long before a restarted or second worker
   * gets it: bench/run measured that wait (the SDK default, 5 s) as the larger half of kill -9 → drain progress
   * (9.5 s). The price of a shorter one: a task a busy worker does not start within it is replayed in full by
   * whichever worker takes it, a few milliseconds for a maintenance's history since evictions are batched.
   */
  static final Duration STICKY_SCHEDULE_TO_START = Duration.ofSeconds(2);

  /**
   * The longest a waiting activity's heartbeat is held back before it is sent. The SDK's own throttle is 0.8 × the
   * heartbeat timeout: 4 s of the waits' 5 s, which leaves a heartbeat 1 s to reach the server; on a CPU-starved
   * machine (bench/run at load 13, a worker restarted after kill -9) the restarted waits missed it, timed out
   * twice, and the drain made progress again only 24.6 s after the kill. At 2 s a wait has 3 s to spare, for one
   * heartbeat RPC per 2 s per waiting pod (blocked evictions and migrations only: evicted pods do not wait).
   */
  static final Duration HEARTBEAT_THROTTLE = Duration.ofSeconds(2);

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
                .setStickyQueueScheduleToStartTimeout(STICKY_SCHEDULE_TO_START)
                .setMaxHeartbeatThrottleInterval(HEARTBEAT_THROTTLE)
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
