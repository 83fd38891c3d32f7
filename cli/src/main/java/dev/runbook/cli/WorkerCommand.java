package dev.runbook.cli;

import dev.runbook.worker.WorkerConfig;
import dev.runbook.worker.WorkerMain;
import dev.runbook.workflows.NodeMaintenanceWorkflow;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = {
      "Run the worker that executes the maintenance workflows, until stopped (SIGTERM / Ctrl-C).",
      "Temporal from TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS / API key variables and the Temporal CLI config "
          + "file; the cluster from KUBECONFIG or the in-cluster service account; sizing from "
          + "RUNBOOK_MAX_CONCURRENT_ACTIVITIES, RUNBOOK_MAX_CONCURRENT_WORKFLOW_TASKS, RUNBOOK_SHUTDOWN_GRACE_SECONDS."
    })
public final class WorkerCommand implements Callable<Integer> {
  @Option(
      names = "--task-queue",
      paramLabel = "QUEUE",
      defaultValue = "${env:RUNBOOK_TASK_QUEUE:-" + NodeMaintenanceWorkflow.DEFAULT_TASK_QUEUE + "}",
      description = "Task queue to poll (default: RUNBOOK_TASK_QUEUE, else ${DEFAULT-VALUE}).")
  String taskQueue;

  @Override
  public Integer call() {
    if (taskQueue == null || taskQueue.isBlank()) {
      throw CliException.usage("--task-queue must not be empty");
    }
    WorkerConfig config;
    try {
      config = WorkerConfig.fromEnvironment(System.getenv()).withTaskQueue(taskQueue);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
    // WorkerMain answers with the same exit codes (2 configuration, 3 Temporal, 4 cluster) and logs why.
    return WorkerMain.run(config);
  }
}
