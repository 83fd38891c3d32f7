package dev.runbook.worker.nodemaintenance;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.SimulatedCluster;
import dev.runbook.worker.SimulatedWorld;
import dev.runbook.workflows.NodeMaintenanceWorkflow;
import dev.runbook.workflows.model.MaintenanceRequest;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller on the simulated demo cluster (its CRDs applied from {@code deploy/crds/}) and the real SDK on
 * temporal-testing's in-memory service, with the worker running the real workflow and activities. worker-2 drains
 * cleanly; worker-1 holds a LiveMigrate VM on a ReadWriteOnce disk, so its drain stays blocked until the operator acts.
 */
class NodeMaintenanceControllerIT {
  private static final String KUBEVIRT = "nodemaintenance.kubevirt.io";
  private static final String MEDIK8S = "nodemaintenance.medik8s.io";
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path tmp;
  private SimulatedWorld world;
  private SimulatedCluster cluster;
  private TestWorkflowEnvironment env;
  private NodeMaintenanceController controller;
  private KubernetesClient client;

  @BeforeEach
  void startEverything() throws Exception {
    world = SimulatedWorld.start(tmp);
    cluster = world.cluster;
    env = world.env;
    client = world.kube.client();
    SimulatedWorld.applyNodeMaintenanceCrds(world.admin());
    world.startWorker();
    controller = startController();
  }

  @AfterEach
  void stopEverything() {
    if (controller != null) {
      controller.close();
    }
    if (world != null) {
      world.close();
    }
  }

  @Test
  void aNodeMaintenanceDrainsItsNodeAndDeletingItRestoresTheNode() {
    create(KUBEVIRT, "maintenance-example", "worker-2");

    Map<String, Object> drained = awaitStatus(KUBEVIRT, "maintenance-example", s -> "Succeeded".equals(s.get("phase")));
    assertEquals(100, ((Number) drained.get("drainProgress")).intValue());
    assertTrue(((Number) drained.get("totalpods")).intValue() >= 3, "status: " + drained);
    assertTrue(((Number) drained.get("evictionPods")).intValue() >= 2, "status: " + drained);
    assertEquals(List.of(), drained.get("pendingPods"));
    assertTrue(unschedulable("worker-2"));
    GenericKubernetesResource nm = get(KUBEVIRT, "maintenance-example");
    assertTrue(NodeMaintenanceResources.hasFinalizer(nm));
    String runId = NodeMaintenanceResources.annotation(nm, NodeMaintenanceResources.RUN_ID_ANNOTATION).orElseThrow();
    WorkflowExecutionDescription run = describe("worker-2");
    assertEquals(runId, run.getExecution().getRunId());
    assertEquals("maintenance-example", memo(run).get("name"));

    resource(KUBEVIRT, "maintenance-example").delete();
    await().atMost(WAIT).until(() -> get(KUBEVIRT, "maintenance-example") == null);
    assertFalse(unschedulable("worker-2"), "the node is schedulable again once the resource is gone");
    assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, describe("worker-2").getStatus());
    assertTrue(cluster.report().clean(), "invariants: " + cluster.report().violations());
  }

  @Test
  void deletingTheResourceInTheMiddleOfTheDrainStopsTheMaintenanceAndRestoresTheNode() {
    create(MEDIK8S, "firmware", "worker-1");
    // Deleted while the drain still runs, blocked on the VM that cannot migrate. Not while other evictions are in
    // flight: temporal-testing's in-memory server wedges the workflow when a cancellation meets an activity
    // completing in the same task (sdk-java #2391; the real server does not). The e2e deletes one mid-flight on the
    // real dev server.
    Map<String, Object> draining =
        awaitStatus(
            MEDIK8S, "firmware",
            s -> "Running".equals(s.get("phase"))
                && List.of("virt-launcher-fedora-rwo-abcde").equals(s.get("pendingPods")));
    assertTrue(unschedulable("worker-1"), "status: " + draining);

    resource(MEDIK8S, "firmware").delete();
    await().atMost(WAIT).until(() -> get(MEDIK8S, "firmware") == null);
    assertFalse(unschedulable("worker-1"));
    assertFalse(hasDrainTaint("worker-1"));
    assertFalse(
        describe("worker-1").getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
        "the workflow ended");
    assertTrue(cluster.report().clean(), "invariants: " + cluster.report().violations());
  }

  @Test
  void aRestartedControllerFollowsTheWorkflowItStartedInsteadOfStartingASecond() {
    create(KUBEVIRT, "firmware", "worker-1");
    awaitStatus(KUBEVIRT, "firmware", s -> ((Number) s.getOrDefault("totalpods", 0)).intValue() > 0);
    String runId = runIdOf(KUBEVIRT, "firmware");

    controller.close();
    controller = startController();
    // The new controller reads the progress of the same run; the node's workflow id never got a second run.
    Object before = lastUpdate(KUBEVIRT, "firmware");
    await().atMost(WAIT).until(() -> !before.equals(lastUpdate(KUBEVIRT, "firmware")));
    assertEquals(runId, runIdOf(KUBEVIRT, "firmware"));
    assertEquals(runId, describe("worker-1").getExecution().getRunId());
    assertEquals(runId, describe("worker-1").getWorkflowExecutionInfo().getFirstRunId());
  }

  @Test
  void twoControllersAtOnceAsDuringARolloutStartOneWorkflowAndAgreeOnTheStatus() {
    try (NodeMaintenanceController second = startController()) {
      create(KUBEVIRT, "maintenance-example", "worker-2");
      awaitStatus(KUBEVIRT, "maintenance-example", s -> "Succeeded".equals(s.get("phase")));
      String runId = runIdOf(KUBEVIRT, "maintenance-example");
      assertEquals(runId, describe("worker-2").getExecution().getRunId());
      assertEquals(runId, describe("worker-2").getWorkflowExecutionInfo().getFirstRunId(), "no second run");
      assertEquals(
          List.of(NodeMaintenanceResources.FINALIZER), get(KUBEVIRT, "maintenance-example").getMetadata().getFinalizers());

      resource(KUBEVIRT, "maintenance-example").delete();
      await().atMost(WAIT).until(() -> get(KUBEVIRT, "maintenance-example") == null);
      assertFalse(unschedulable("worker-2"));
    }
  }

  @Test
  void aControllerThatDiedBetweenStartingTheWorkflowAndRecordingItAdoptsIt() {
    controller.close();
    controller = null;
    GenericKubernetesResource nm = create(KUBEVIRT, "firmware", "worker-1");
    // What the controller had written before its crash: accepted for worker-1, the workflow started, no run id yet.
    nm.getMetadata().setAnnotations(
        Map.of(
            NodeMaintenanceResources.NODE_ANNOTATION, "worker-1",
            NodeMaintenanceResources.WORKFLOW_ID_ANNOTATION, NodeMaintenanceWorkflow.workflowId("worker-1")));
    nm.getMetadata().setFinalizers(List.of(NodeMaintenanceResources.FINALIZER));
    client.genericKubernetesResources(NodeMaintenanceResources.context(KUBEVIRT)).resource(nm).update();
    WorkflowStub started =
        env.getWorkflowClient()
            .newUntypedWorkflowStub(
                NodeMaintenanceWorkflow.WORKFLOW_TYPE,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(NodeMaintenanceWorkflow.DEFAULT_TASK_QUEUE)
                    .setWorkflowId(NodeMaintenanceWorkflow.workflowId("worker-1"))
                    .setMemo(
                        Map.of(
                            NodeMaintenanceResources.MEMO_KEY,
                            Map.of("group", KUBEVIRT, "name", "firmware", "uid", nm.getMetadata().getUid())))
                    .build());
    String runId = started.start(MaintenanceRequest.forNode("worker-1", "firmware")).getRunId();

    controller = startController();
    await().atMost(WAIT).until(() -> runId.equals(runIdOrNull(KUBEVIRT, "firmware")));
    awaitStatus(KUBEVIRT, "firmware", s -> ((Number) s.getOrDefault("totalpods", 0)).intValue() > 0);
    assertEquals(runId, describe("worker-1").getExecution().getRunId(), "no second run");
  }

  @Test
  void aResourceForAnUnknownNodeIsRefusedAndChangesNothing() {
    create(KUBEVIRT, "maintenance-example", "node-1.example.com");
    Map<String, Object> refused = awaitStatus(KUBEVIRT, "maintenance-example", s -> "Failed".equals(s.get("phase")));
    assertTrue(String.valueOf(refused.get("lastError")).contains("node \"node-1.example.com\" not found"), "" + refused);
    GenericKubernetesResource nm = get(KUBEVIRT, "maintenance-example");
    assertFalse(NodeMaintenanceResources.hasFinalizer(nm), "nothing to clean up: no finalizer");
    assertTrue(describeOptional("node-1.example.com").isEmpty(), "no workflow was started");
    resource(KUBEVIRT, "maintenance-example").delete();
    await().atMost(WAIT).until(() -> get(KUBEVIRT, "maintenance-example") == null);
  }

  @Test
  void aSecondResourceForTheSameNodeIsRefusedEvenInTheOtherGroup() {
    create(KUBEVIRT, "first", "worker-2");
    awaitStatus(KUBEVIRT, "first", s -> ((Number) s.getOrDefault("totalpods", 0)).intValue() > 0);
    create(MEDIK8S, "second", "worker-2");
    Map<String, Object> refused = awaitStatus(MEDIK8S, "second", s -> "Failed".equals(s.get("phase")));
    assertTrue(
        String.valueOf(refused.get("lastError"))
            .contains("already in maintenance by nodemaintenance.nodemaintenance.kubevirt.io/first"),
        "" + refused);
    assertFalse(NodeMaintenanceResources.hasFinalizer(get(MEDIK8S, "second")));
    assertEquals(runIdOf(KUBEVIRT, "first"), describe("worker-2").getExecution().getRunId());
  }

  @Test
  void changingTheNodeNameIsRefusedAndTheMaintenanceOfTheFirstNodeGoesOn() {
    create(KUBEVIRT, "firmware", "worker-2");
    awaitStatus(KUBEVIRT, "firmware", s -> ((Number) s.getOrDefault("totalpods", 0)).intValue() > 0);
    resource(KUBEVIRT, "firmware").edit(nm -> {
      nm.setAdditionalProperty("spec", Map.of("nodeName", "worker-3", "reason", "firmware"));
      return nm;
    });
    Map<String, Object> status =
        awaitStatus(KUBEVIRT, "firmware", s -> String.valueOf(s.get("lastError")).contains("spec.nodeName cannot change"));
    assertTrue(String.valueOf(status.get("lastError")).contains("(was \"worker-2\", now \"worker-3\")"), "" + status);
    assertFalse(unschedulable("worker-3"), "nothing was done to worker-3");
    assertTrue(describeOptional("worker-3").isEmpty());
    assertTrue(
        unschedulable("worker-2"),
        () -> "worker-2 stays in maintenance; status " + get(KUBEVIRT, "firmware").get("status") + ", workflow "
            + describe("worker-2").getStatus());
  }

  @Test
  void aNodeAlreadyInMaintenanceThroughTheCliIsRefused() {
    WorkflowStub cli =
        env.getWorkflowClient()
            .newUntypedWorkflowStub(
                NodeMaintenanceWorkflow.WORKFLOW_TYPE,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(NodeMaintenanceWorkflow.DEFAULT_TASK_QUEUE)
                    .setWorkflowId(NodeMaintenanceWorkflow.workflowId("worker-2"))
                    .build());
    String runId = cli.start(MaintenanceRequest.forNode("worker-2", "by hand")).getRunId();
    create(KUBEVIRT, "late", "worker-2");
    Map<String, Object> refused = awaitStatus(KUBEVIRT, "late", s -> "Failed".equals(s.get("phase")));
    assertTrue(String.valueOf(refused.get("lastError")).contains("runbook node resume worker-2"), "" + refused);
    assertEquals(runId, describe("worker-2").getExecution().getRunId());
    assertFalse(NodeMaintenanceResources.hasFinalizer(get(KUBEVIRT, "late")));
  }

  @Test
  void aWorkflowThatFailsShowsAsFailedWithItsErrorAndTheResourceCanStillBeDeleted() {
    // Another remediation operator holds worker-3 (the medik8s Lease convention): the workflow refuses and fails.
    client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
        .withNewMetadata().withName("medik8s-leases").endMetadata().build()).createOr(r -> r.update());
    client.leases().inNamespace("medik8s-leases").resource(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
        .withNewMetadata().withName("node-worker-3").withNamespace("medik8s-leases").endMetadata()
        .withNewSpec().withHolderIdentity("self-node-remediation").withLeaseDurationSeconds(3600)
        .withAcquireTime(java.time.ZonedDateTime.now()).withRenewTime(java.time.ZonedDateTime.now()).endSpec()
        .build()).create();
    create(KUBEVIRT, "blocked", "worker-3");

    Map<String, Object> failed = awaitStatus(KUBEVIRT, "blocked", s -> "Failed".equals(s.get("phase")));
    assertTrue(
        String.valueOf(failed.get("lastError")).contains("failed: node 'worker-3' is held by another maintenance"),
        "" + failed);
    assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED, describe("worker-3").getStatus());
    assertFalse(unschedulable("worker-3"), "nothing was changed on the node");

    resource(KUBEVIRT, "blocked").delete();
    await().atMost(WAIT).until(() -> get(KUBEVIRT, "blocked") == null);
  }

  // ---- helpers

  private NodeMaintenanceController startController() {
    return NodeMaintenanceController.start(
        client, env.getWorkflowClient(), NodeMaintenanceWorkflow.DEFAULT_TASK_QUEUE,
        new ControllerConfig(true, Duration.ofMillis(250)));
  }

  private GenericKubernetesResource create(String group, String name, String node) {
    GenericKubernetesResource nm =
        new GenericKubernetesResourceBuilder()
            .withApiVersion(group + "/v1beta1")
            .withKind("NodeMaintenance")
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .build();
    nm.setAdditionalProperty("spec", Map.of("nodeName", node, "reason", "Node maintenance"));
    return client.genericKubernetesResources(NodeMaintenanceResources.context(group)).resource(nm).create();
  }

  private Resource<GenericKubernetesResource> resource(String group, String name) {
    return client.genericKubernetesResources(NodeMaintenanceResources.context(group)).withName(name);
  }

  private GenericKubernetesResource get(String group, String name) {
    return resource(group, name).get();
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> awaitStatus(
      String group, String name, java.util.function.Predicate<Map<String, Object>> condition) {
    return await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              GenericKubernetesResource nm = get(group, name);
              Object status = nm == null ? null : nm.getAdditionalProperties().get("status");
              return status instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.<String, Object>of();
            },
            condition);
  }

  private Object lastUpdate(String group, String name) {
    Object value = get(group, name).get("status", "lastUpdate");
    return String.valueOf(value);
  }

  private String runIdOf(String group, String name) {
    return Optional.ofNullable(runIdOrNull(group, name)).orElseThrow();
  }

  private String runIdOrNull(String group, String name) {
    return NodeMaintenanceResources.annotation(get(group, name), NodeMaintenanceResources.RUN_ID_ANNOTATION).orElse(null);
  }

  private WorkflowExecutionDescription describe(String node) {
    return describeOptional(node).orElseThrow();
  }

  private Optional<WorkflowExecutionDescription> describeOptional(String node) {
    try {
      return Optional.of(env.getWorkflowClient().newUntypedWorkflowStub(NodeMaintenanceWorkflow.workflowId(node)).describe());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> memo(WorkflowExecutionDescription run) {
    return (Map<String, Object>) run.getMemo(NodeMaintenanceResources.MEMO_KEY, Map.class);
  }

  private boolean unschedulable(String node) {
    Node n = client.nodes().withName(node).get();
    return Boolean.TRUE.equals(n.getSpec().getUnschedulable());
  }

  private boolean hasDrainTaint(String node) {
    Node n = client.nodes().withName(node).get();
    return n.getSpec().getTaints() != null
        && n.getSpec().getTaints().stream().anyMatch(t -> "medik8s.io/drain".equals(t.getKey()));
  }
}
