package dev.runbook.worker;

import dev.runbook.workflows.NodeMaintenanceWorkflow;
import java.time.Duration;
import java.util.Map;

/**
 * The worker's own settings, read from the environment. Temporal's connection ({@code TEMPORAL_ADDRESS},
 * {@code TEMPORAL_NAMESPACE}, TLS, API key, the CLI's config file and profile) is read by temporal-envconfig, and the
 * cluster's ({@code KUBECONFIG}, in-cluster service account) by fabric8; neither is repeated here.
 *
 * @param workflowCacheSize workflows kept in memory between tasks (Temporal's sticky cache); 0 turns stickiness off
 * @param maxConcurrentActivities activity slots; the waiting activities (blocked evictions, terminations,
 *     migrations) each hold one for as long as they wait, so this is sized for a few hundred pods, not for CPU
 */
public record WorkerConfig(
    String taskQueue,
    int maxConcurrentActivities,
    int maxConcurrentWorkflowTasks,
    Duration shutdownGrace,
    int workflowCacheSize) {

  public static final String TASK_QUEUE = "RUNBOOK_TASK_QUEUE";
  public static final String MAX_CONCURRENT_ACTIVITIES = "RUNBOOK_MAX_CONCURRENT_ACTIVITIES";
  public static final String MAX_CONCURRENT_WORKFLOW_TASKS = "RUNBOOK_MAX_CONCURRENT_WORKFLOW_TASKS";
  public static final String SHUTDOWN_GRACE_SECONDS = "RUNBOOK_SHUTDOWN_GRACE_SECONDS";
  public static final String WORKFLOW_CACHE_SIZE = "RUNBOOK_WORKFLOW_CACHE_SIZE";

  public static WorkerConfig defaults() {
    return new WorkerConfig(NodeMaintenanceWorkflow.DEFAULT_TASK_QUEUE, 500, 10, Duration.ofSeconds(30), 600);
  }

  public static WorkerConfig fromEnvironment(Map<String, String> env) {
    WorkerConfig d = defaults();
    String queue = env.getOrDefault(TASK_QUEUE, d.taskQueue()).trim();
    if (queue.isEmpty()) {
      throw new IllegalArgumentException(TASK_QUEUE + " is set but empty: unset it to use '" + d.taskQueue() + "'");
    }
    return new WorkerConfig(
        queue,
        positiveInt(env, MAX_CONCURRENT_ACTIVITIES, d.maxConcurrentActivities()),
        positiveInt(env, MAX_CONCURRENT_WORKFLOW_TASKS, d.maxConcurrentWorkflowTasks()),
        Duration.ofSeconds(positiveInt(env, SHUTDOWN_GRACE_SECONDS, (int) d.shutdownGrace().toSeconds())),
        nonNegativeInt(env, WORKFLOW_CACHE_SIZE, d.workflowCacheSize()));
  }

  public WorkerConfig withTaskQueue(String queue) {
    return new WorkerConfig(queue, maxConcurrentActivities, maxConcurrentWorkflowTasks, shutdownGrace, workflowCacheSize);
  }

  public WorkerConfig withShutdownGrace(Duration grace) {
    return new WorkerConfig(taskQueue, maxConcurrentActivities, maxConcurrentWorkflowTasks, grace, workflowCacheSize);
  }

  public WorkerConfig withWorkflowCacheSize(int size) {
    return new WorkerConfig(taskQueue, maxConcurrentActivities, maxConcurrentWorkflowTasks, shutdownGrace, size);
  }

  private static int positiveInt(Map<String, String> env, String name, int fallback) {
    return boundedInt(env, name, fallback, 1, "a positive whole number");
  }

  private static int nonNegativeInt(Map<String, String> env, String name, int fallback) {
    return boundedInt(env, name, fallback, 0, "a whole number, 0 or more");
  }

  private static int boundedInt(Map<String, String> env, String name, int fallback, int min, String what) {
    String raw = env.get(name);
    if (raw == null || raw.isBlank()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(raw.trim());
      if (value >= min) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below with the variable's name
    }
    throw new IllegalArgumentException(name + "='" + raw + "' must be " + what + " (default " + fallback + ")");
  }
}
