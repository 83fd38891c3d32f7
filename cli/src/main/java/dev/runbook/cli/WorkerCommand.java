package dev.runbook.cli;

import dev.runbook.worker.WorkerConfig;
import dev.runbook.worker.WorkerMain;
import dev.runbook.worker.nodemaintenance.ControllerConfig;
import dev.runbook.worker.nodemaintenance.WebhookConfig;
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
          + "RUNBOOK_MAX_CONCURRENT_ACTIVITIES, RUNBOOK_MAX_CONCURRENT_WORKFLOW_TASKS, RUNBOOK_SHUTDOWN_GRACE_SECONDS; "
          + "the NodeMaintenance validating webhook from RUNBOOK_WEBHOOK_PORT and RUNBOOK_WEBHOOK_CERT_DIR "
          + "(deploy/README.md)."
    })
public final class WorkerCommand implements Callable<Integer> {
  @Option(
      names = "--task-queue",
      paramLabel = "QUEUE",
      defaultValue = "${env:RUNBOOK_TASK_QUEUE:-" + NodeMaintenanceWorkflow.DEFAULT_TASK_QUEUE + "}",
      description = "Task queue to poll (default: RUNBOOK_TASK_QUEUE, else ${DEFAULT-VALUE}).")
  String taskQueue;

  @Option(
      names = "--nodemaintenance-controller",
      negatable = true,
      defaultValue = "${env:RUNBOOK_NODEMAINTENANCE_CONTROLLER:-false}",
      fallbackValue = "true",
      description =
          "Also run the NodeMaintenance controller: each NodeMaintenance resource (deploy/crds/) becomes one "
              + "maintenance workflow, its status follows the workflow, deleting it ends the maintenance "
              + "(default: RUNBOOK_NODEMAINTENANCE_CONTROLLER, else false).")
  boolean nodeMaintenanceController;

  @Override
  public Integer call() {
    if (taskQueue == null || taskQueue.isBlank()) {
      throw CliException.usage("--task-queue must not be empty");
    }
    WorkerConfig config;
    ControllerConfig controller;
    WebhookConfig webhook;
    try {
      config = WorkerConfig.fromEnvironment(System.getenv()).withTaskQueue(taskQueue);
      controller = ControllerConfig.fromEnvironment(System.getenv()).withEnabled(nodeMaintenanceController);
      webhook = WebhookConfig.fromEnvironment(System.getenv());
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
    // WorkerMain answers with the same exit codes (2 configuration, 3 Temporal, 4 cluster) and logs why.
    return WorkerMain.run(config, controller, webhook);
  }
}
