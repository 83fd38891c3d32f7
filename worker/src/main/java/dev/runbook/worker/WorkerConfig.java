package dev.runbook.worker;

import dev.runbook.workflows.NodeMaintenanceWorkflow;
import java.time.Duration;
import java.util.Map;

/**
 * The worker's own settings, read from the environment. Temporal's connection ({@code TEMPORAL_ADDRESS},
 * {@code TEMPORAL_NAMESPACE}, TLS, API key, the CLI's config file and profile) is read by temporal-envconfig, and the
 * cluster's ({@code KUBECONFIG}, in-cluster service account) by fabric8; neither is repeated here.
 *
 * @param maxConcurrentActivities activity slots; the waiting activities (blocked evictions, terminations,
 *     migrations) each hold one for as long as they wait, so this is sized for a few hundred pods, not for CPU
 */
public record WorkerConfig(
    String taskQueue, int maxConcurrentActivities, int maxConcurrentWorkflowTasks, Duration shutdownGrace) {

  public static final String TASK_QUEUE = "RUNBOOK_TASK_QUEUE";
  public static final String MAX_CONCURRENT_ACTIVITIES = "RUNBOOK_MAX_CONCURRENT_ACTIVITIES";
  public static final String MAX_CONCURRENT_WORKFLOW_TASKS = "RUNBOOK_MAX_CONCURRENT_WORKFLOW_TASKS";
  public static final String SHUTDOWN_GRACE_SECONDS = "RUNBOOK_SHUTDOWN_GRACE_SECONDS";

  public static WorkerConfig defaults() {
    return new WorkerConfig(NodeMaintenanceWorkflow.DEFAULT_TASK_QUEUE, 500, 10, Duration.ofSeconds(30));
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
        Duration.ofSeconds(positiveInt(env, SHUTDOWN_GRACE_SECONDS, (int) d.shutdownGrace().toSeconds())));
  }

  public WorkerConfig withTaskQueue(String queue) {
    return new WorkerConfig(queue, maxConcurrentActivities, maxConcurrentWorkflowTasks, shutdownGrace);
  }

  private static int positiveInt(Map<String, String> env, String name, int fallback) {
    String raw = env.get(name);
    if (raw == null || raw.isBlank()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(raw.trim());
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below with the variable's name
    }
    throw new IllegalArgumentException(name + "='" + raw + "' must be a positive whole number (default " + fallback + ")");
  }
}
