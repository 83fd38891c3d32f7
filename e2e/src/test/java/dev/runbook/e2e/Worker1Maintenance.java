package dev.runbook.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * worker-1's maintenance on the demo cluster, run once and looked at by several tests: its drain blocks on
 * {@code vms/fedora-rwo} (LiveMigrate with an RWO volume), the operator escalates, waits for AWAITING_RESUME, and
 * resumes. What was seen on the way is kept for the tests' assertions.
 */
final class Worker1Maintenance {
  private final E2eStack stack;
  private RuntimeException failure;
  private boolean done;
  Maintenance maintenance;
  JsonNode blockedStatus;
  JsonNode awaitingStatus;
  String getNodeWhileDrained;
  String describedWhileDrained;
  NodeView drained;

  Worker1Maintenance(E2eStack stack) {
    this.stack = stack;
  }

  synchronized void ensureDone() {
    if (failure != null) {
      throw new IllegalStateException("worker-1's maintenance failed earlier", failure);
    }
    if (done) {
      return;
    }
    try {
      run();
      done = true;
    } catch (RuntimeException | Error e) {
      failure = e instanceof RuntimeException r ? r : new RuntimeException(e);
      throw e;
    }
  }

  private void run() {
    // The deadline only has to outlast the migrations and evictions that do go through (seconds at --speed 10).
    maintenance = Maintenance.startForNode(stack, "worker-1", "PT10S");
    blockedStatus = maintenance.awaitStage(Duration.ofSeconds(60), "DRAIN_BLOCKED");
    maintenance.signal("escalate", "{\"pods\":[],\"reason\":\"e2e\"}");
    awaitingStatus = maintenance.awaitStage(Duration.ofSeconds(60), "AWAITING_RESUME");
    getNodeWhileDrained = stack.kubectl("get", "node", "worker-1").requireSuccess().stdout();
    describedWhileDrained = stack.kubectl("describe", "node", "worker-1").requireSuccess().stdout();
    drained = NodeView.of(stack, "worker-1");
    maintenance.signal("resume", null);
    maintenance.awaitClosed(Duration.ofSeconds(60));
  }
}
