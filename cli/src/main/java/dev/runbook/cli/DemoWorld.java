package dev.runbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.client.WorkflowClient;

/**
 * What {@code runbook demo} runs besides Temporal: the simulated cluster and a worker pointed at it. Closing it
 * stops both.
 */
public interface DemoWorld extends AutoCloseable {
  /** The node the demo puts into maintenance. */
  String node();

  /** The simulated cluster's score ({@code GET /sim/report}): evictions, migrations, VM fates, violations. */
  JsonNode report();

  @Override
  void close();

  @FunctionalInterface
  interface Factory {
    DemoWorld start(WorkflowClient temporal, String taskQueue, double speed);
  }

  static Factory standard() {
    return (temporal, taskQueue, speed) -> {
      // MERGE-WIRE(demo): once the simulator and worker land, replace the next line with a DemoWorld that
      //   starts SimulatedCluster (default demo scenario, at `speed`), builds KubernetesClients for it, runs
      //   MaintenanceWorker.start(temporal, kube, WorkerConfig.defaults().withTaskQueue(taskQueue)),
      //   answers node() with the scenario's demo node and report() with the cluster's Scorekeeper report,
      //   and closes worker, clients and cluster in close().
      throw CliException.failed("`runbook demo` is not wired to the simulator and worker modules in this build (see DemoWorld)");
    };
  }
}
