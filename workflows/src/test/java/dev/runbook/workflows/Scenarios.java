package dev.runbook.workflows;

import static dev.runbook.workflows.FakeCluster.NODE;
import static org.awaitility.Awaitility.await;

import dev.runbook.workflows.activities.PodAction;
import dev.runbook.workflows.model.EscalateRequest;
import dev.runbook.workflows.model.MaintenanceRequest;
import dev.runbook.workflows.model.MaintenanceResult;
import dev.runbook.workflows.model.Stage;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Whole runs shared by the history tests and the history recorder. */
final class Scenarios {
  private Scenarios() {}

  /** A pod of each kind, drained, then resumed by the operator. */
  /** The workflow as the worker registers it, its activities answered by {@code cluster}; add options, then build. */
  static TestWorkflowExtension.Builder workflowOn(FakeCluster cluster) {
    return TestWorkflowExtension.newBuilder()
        .registerWorkflowImplementationTypes(
            NodeMaintenanceWorkflowImpl.implementationOptions(), NodeMaintenanceWorkflowImpl.class)
        .setActivityImplementations(cluster);
  }

  static MaintenanceResult happyPath(FakeCluster cluster, WorkflowClient client, WorkflowOptions options) {
    return happyPath(cluster, client, options, null);
  }

  /** The happy path with a given maxConcurrentEvictions (null: the default); with 1, every pod queues for its slot. */
  static MaintenanceResult happyPath(
      FakeCluster cluster, WorkflowClient client, WorkflowOptions options, Integer maxConcurrentEvictions) {
    cluster.addPod("default", "web-7f9c-abcde", PodAction.EVICT);
    cluster.addPod("default", "web-7f9c-fghij", PodAction.EVICT);
    cluster.addPod("kube-system", "node-exporter-x", PodAction.SKIP_DAEMONSET);
    cluster.addPod("batch", "report-done", PodAction.DELETE_FINISHED);
    cluster
        .addPod("vms", "virt-launcher-fedora-1-abcde", PodAction.MIGRATE_VM)
        .withVm(FakeCluster.vm("vms", "fedora-1", "LiveMigrate", true));
    MaintenanceRequest request = MaintenanceRequest.forNode(NODE, "firmware upgrade");
    request.setMaxConcurrentEvictions(maxConcurrentEvictions);
    NodeMaintenanceWorkflow maintenance = start(client, options, request);
    awaitStage(maintenance, Stage.AWAITING_RESUME);
    maintenance.resume();
    return result(maintenance);
  }

  /** A VM that cannot migrate outlasts the drain deadline; the operator escalates, then resumes. */
  static MaintenanceResult escalatedVm(FakeCluster cluster, WorkflowClient client, WorkflowOptions options) {
    cluster.addPod("default", "web-7f9c-abcde", PodAction.EVICT);
    cluster
        .addPod("vms", "virt-launcher-db-vm-xyz", PodAction.VM_BLOCKED)
        .withVm(FakeCluster.vm("vms", "db-vm", "LiveMigrate", false));
    MaintenanceRequest request = MaintenanceRequest.forNode(NODE, "disk swap");
    request.setDrainDeadline(Duration.ofSeconds(1));
    NodeMaintenanceWorkflow maintenance = start(client, options, request);
    awaitStage(maintenance, Stage.DRAIN_BLOCKED);
    maintenance.escalate(new EscalateRequest(List.of("vms/virt-launcher-db-vm-xyz"), "local disk"));
    awaitStage(maintenance, Stage.AWAITING_RESUME);
    maintenance.resume();
    return result(maintenance);
  }

  /**
   * The run's result; a run that does not end within a minute fails the test instead of hanging the build (a
   * workflow task that keeps failing retries forever).
   */
  static MaintenanceResult result(NodeMaintenanceWorkflow maintenance) {
    try {
      return WorkflowStub.fromTyped(maintenance).getResult(60, TimeUnit.SECONDS, MaintenanceResult.class);
    } catch (TimeoutException e) {
      throw new AssertionError("the maintenance did not end within 60 s", e);
    }
  }

  static NodeMaintenanceWorkflow start(WorkflowClient client, WorkflowOptions options, MaintenanceRequest request) {
    NodeMaintenanceWorkflow maintenance = client.newWorkflowStub(NodeMaintenanceWorkflow.class, options);
    WorkflowClient.start(maintenance::run, request);
    return maintenance;
  }

  static void awaitStage(NodeMaintenanceWorkflow maintenance, Stage stage) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> maintenance.status().stage() == stage);
  }
}
