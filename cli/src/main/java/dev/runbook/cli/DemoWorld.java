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

  /** The simulated cluster's demo scenario and the real worker. */
  static Factory standard() {
    return SimulatedDemoWorld::start;
  }
}
