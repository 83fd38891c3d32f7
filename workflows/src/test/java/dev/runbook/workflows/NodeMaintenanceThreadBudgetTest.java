package dev.runbook.workflows;

import static dev.runbook.workflows.FakeCluster.NODE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.runbook.workflows.activities.PodAction;
import dev.runbook.workflows.model.MaintenanceRequest;
import dev.runbook.workflows.model.MaintenanceResult;
import dev.runbook.workflows.model.Stage;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.WorkerFactoryOptions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A worker runs every workflow thread on a pool of maxWorkflowThreadCount threads (600 by default) shared by all the
 * maintenances it runs. A pod's handler is a workflow thread: the drain must not hold one per pod of the node while
 * the pods wait for their eviction slots, or a few large nodes drained at once exhaust the pool and every workflow
 * task fails ("Not enough threads to execute workflows").
 */
class NodeMaintenanceThreadBudgetTest {
  private static final int THREADS = 30;
  private static final int PODS = 60;

  final FakeCluster cluster = new FakeCluster();

  @RegisterExtension
  final TestWorkflowExtension temporal =
      Scenarios.workflowOn(cluster)
          .setWorkerFactoryOptions(
              WorkerFactoryOptions.newBuilder().setMaxWorkflowThreadCount(THREADS).setWorkflowCacheSize(1).build())
          .build();

  @AfterEach
  void stopAbandonedWaits() {
    cluster.closed = true;
  }

  @Test
  @DisplayName("a node with twice as many pods as the worker has workflow threads drains, its pods waiting for slots")
  void drainsMorePodsThanTheWorkerHasWorkflowThreads(WorkflowClient client, WorkflowOptions options) {
    for (int i = 0; i < PODS; i++) {
      cluster.addPod("default", "web-" + i, PodAction.EVICT);
    }
    MaintenanceRequest request = MaintenanceRequest.forNode(NODE, "kernel");
    request.setAutoResumeAfter(Duration.ofMinutes(1));
    WorkflowOptions withId = options.toBuilder().setWorkflowId(NodeMaintenanceWorkflow.workflowId(NODE)).build();

    MaintenanceResult result = Scenarios.result(Scenarios.start(client, withId, request));

    assertEquals(Stage.COMPLETED, result.stage());
    assertEquals(PODS, cluster.callsStartingWith("evictPod").size());
  }
}
