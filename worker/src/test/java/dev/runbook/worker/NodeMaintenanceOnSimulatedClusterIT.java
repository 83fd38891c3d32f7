package dev.runbook.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.SimulatedCluster;
import dev.runbook.simulator.score.ScoreReport;
import dev.runbook.workflows.NodeMaintenanceWorkflow;
import dev.runbook.workflows.model.BlockerKind;
import dev.runbook.workflows.model.EscalateRequest;
import dev.runbook.workflows.model.MaintenanceResult;
import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.Stage;
import dev.runbook.workflows.model.VmState;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.temporal.testing.TestWorkflowEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole stack but the Temporal server process: the real SDK on temporal-testing's in-memory service (real
 * time, no skipping), the real activities over HTTP, and the simulated demo cluster with its controllers.
 */
class NodeMaintenanceOnSimulatedClusterIT {
  private static final String NODE = "worker-1";
  private static final ResourceDefinitionContext VMI =
      new ResourceDefinitionContext.Builder()
          .withGroup("kubevirt.io")
          .withVersion("v1")
          .withKind("VirtualMachineInstance")
          .withPlural("virtualmachineinstances")
          .withNamespaced(true)
          .build();

  @TempDir Path tmp;
  private SimulatedWorld world;
  private SimulatedCluster cluster;
  private TestWorkflowEnvironment env;

  @BeforeEach
  void startClusterTemporalAndWorker() throws Exception {
    world = SimulatedWorld.start(tmp).startWorker();
    cluster = world.cluster;
    env = world.env;
  }

  @AfterEach
  void stopEverything() {
    if (world != null) {
      world.close();
    }
  }

  @Test
  void drainsTheDemoNodeEscalatesTheStuckVmAndRestoresTheNodeOnResume() throws Exception {
    NodeMaintenanceWorkflow maintenance = world.startMaintenance(NODE, "firmware upgrade", Duration.ofSeconds(20));

    // The LiveMigrate VM on a ReadWriteOnce disk cannot move: after the deadline the drain waits for the operator.
    MaintenanceStatus blocked = SimulatedWorld.awaitStage(maintenance, Stage.DRAIN_BLOCKED, Duration.ofSeconds(90));
    assertTrue(blocked.awaitingOperator());
    assertTrue(
        blocked.blockers().stream()
            .anyMatch(b -> b.kind() == BlockerKind.VM_NOT_MIGRATABLE && b.pod().contains("virt-launcher-fedora-rwo")),
        "blockers: " + blocked.blockers());

    maintenance.escalate(new EscalateRequest(List.of(), "hardware window"));
    MaintenanceStatus drained = SimulatedWorld.awaitStage(maintenance, Stage.AWAITING_RESUME, Duration.ofSeconds(90));

    KubernetesClient client = cluster.client();
    Node node = client.nodes().withName(NODE).get();
    assertTrue(Boolean.TRUE.equals(node.getSpec().getUnschedulable()), "the node stays cordoned in maintenance");
    assertTrue(hasDrainTaint(node));
    assertEquals(Set.of("DaemonSet"), ownerKindsOfPodsOn(client, NODE), "only DaemonSet pods remain on " + NODE);
    assertEquals(100, drained.drainProgress());
    assertTrue(drained.pendingPods().isEmpty(), "pending: " + drained.pendingPods());

    GenericKubernetesResource liveVm = client.genericKubernetesResources(VMI).inNamespace("vms").withName("rhel-db-live").get();
    Map<String, Object> vmiStatus = liveVm.get("status");
    assertNotEquals(NODE, vmiStatus.get("nodeName"), "the RWX LiveMigrate VM was live-migrated away");
    assertEquals(Boolean.TRUE, ((Map<?, ?>) vmiStatus.get("migrationState")).get("completed"));
    assertTrue(
        drained.vms().stream().anyMatch(v -> v.name().equals("rhel-db-live") && v.state() == VmState.MIGRATED),
        "vms: " + drained.vms());
    assertTrue(
        drained.vms().stream().anyMatch(v -> v.name().contains("fedora-rwo") && v.state() == VmState.FORCE_STOPPED),
        "vms: " + drained.vms());

    maintenance.resume();
    MaintenanceResult result =
        env.getWorkflowClient()
            .newUntypedWorkflowStub(NodeMaintenanceWorkflow.workflowId(NODE))
            .getResult(60, TimeUnit.SECONDS, MaintenanceResult.class);
    assertEquals(Stage.COMPLETED, result.stage());

    Node restored = client.nodes().withName(NODE).get();
    assertFalse(Boolean.TRUE.equals(restored.getSpec().getUnschedulable()), "the node is schedulable again");
    assertFalse(hasDrainTaint(restored));
    assertTrue(
        client.leases().inAnyNamespace().list().getItems().stream()
            .noneMatch(l -> NodeMaintenanceWorkflow.workflowId(NODE).equals(l.getSpec().getHolderIdentity())),
        "the maintenance Lease is released");

    ScoreReport score = cluster.report();
    assertTrue(score.clean(), "simulator invariants: " + score.violations());
  }

  private static boolean hasDrainTaint(Node node) {
    return node.getSpec().getTaints() != null
        && node.getSpec().getTaints().stream()
            .anyMatch(t -> "medik8s.io/drain".equals(t.getKey()) && "NoSchedule".equals(t.getEffect()));
  }

  private static Set<String> ownerKindsOfPodsOn(KubernetesClient client, String node) {
    return client.pods().inAnyNamespace().withField("spec.nodeName", node).list().getItems().stream()
        .map(NodeMaintenanceOnSimulatedClusterIT::ownerKind)
        .collect(Collectors.toSet());
  }

  private static String ownerKind(Pod pod) {
    return pod.getMetadata().getOwnerReferences().stream()
        .filter(o -> Boolean.TRUE.equals(o.getController()))
        .map(o -> o.getKind())
        .findFirst()
        .orElse("none");
  }
}
