package dev.runbook.cli;

import dev.runbook.workflows.NodeMaintenanceWorkflow;
import picocli.CommandLine.Option;

/**
 * Where the maintenances live. Unset options fall back to temporal-envconfig, as the worker does:
 * {@code TEMPORAL_ADDRESS}, {@code TEMPORAL_NAMESPACE}, {@code TEMPORAL_API_KEY}, {@code TEMPORAL_TLS*},
 * {@code TEMPORAL_PROFILE} and the Temporal CLI's config file ({@code TEMPORAL_CONFIG_FILE}).
 */
public final class TemporalOptions {
  @Option(
      names = "--address",
      paramLabel = "HOST:PORT",
      description = "Temporal frontend (default: TEMPORAL_ADDRESS, the config file, else 127.0.0.1:7233).")
  String address;

  @Option(
      names = "--namespace",
      paramLabel = "NAME",
      description = "Temporal namespace (default: TEMPORAL_NAMESPACE, the config file, else 'default').")
  String namespace;

  @Option(
      names = "--profile",
      paramLabel = "NAME",
      description = "Profile of the Temporal CLI config file (default: TEMPORAL_PROFILE, else 'default').")
  String profile;

  @Option(
      names = "--task-queue",
      paramLabel = "QUEUE",
      defaultValue = "${env:RUNBOOK_TASK_QUEUE:-" + NodeMaintenanceWorkflow.DEFAULT_TASK_QUEUE + "}",
      description = "Task queue the worker polls (default: RUNBOOK_TASK_QUEUE, else ${DEFAULT-VALUE}).")
  String taskQueue = NodeMaintenanceWorkflow.DEFAULT_TASK_QUEUE;

  public TemporalOptions() {}

  public TemporalOptions(String address, String namespace, String profile, String taskQueue) {
    this.address = address;
    this.namespace = namespace;
    this.profile = profile;
    this.taskQueue = taskQueue;
  }

  public String address() {
    return address;
  }

  public String namespace() {
    return namespace;
  }

  public String profile() {
    return profile;
  }

  public String taskQueue() {
    return taskQueue;
  }
}
