package dev.runbook.activities;

import static dev.runbook.activities.Fixtures.ONE_ATTEMPT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.workflows.activities.CordonRequest;
import dev.runbook.workflows.activities.Failures;
import dev.runbook.workflows.activities.NodeActivities;
import dev.runbook.workflows.activities.NodeEventReason;
import dev.runbook.workflows.activities.NodeEventRequest;
import dev.runbook.workflows.activities.NodeSnapshot;
import dev.runbook.workflows.activities.RestoreNodeRequest;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.temporal.failure.ActivityFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Node activities: cordon, restore, events")
class NodeActivitiesTest {
  private static final String WORKFLOW = "maintenance-worker-1";

  private TestCluster cluster;
  private TestActivityEnvironment env;
  private NodeActivities nodes;

  @BeforeEach
  void setUp() {
    cluster = new TestCluster();
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(
        new NodeActivitiesImpl(cluster.client, new MutableClock(Instant.parse("2026-01-01T10:00:00Z"))));
    nodes = env.newActivityStub(NodeActivities.class, ONE_ATTEMPT);
  }

  @AfterEach
  void tearDown() {
    env.close();
    cluster.close();
  }

  private Node create(Node node) {
    return cluster.client.nodes().resource(node).create();
  }

  private Node read(String name) {
    return cluster.client.nodes().withName(name).get();
  }

  private static long drainTaints(Node node) {
    return node.getSpec().getTaints().stream().filter(NodeActivitiesImpl::isDrainTaint).count();
  }

  @Test
  void cordonSetsUnschedulableTheDrainTaintAndTheOwnerInOneChange() {
    create(Fixtures.node("worker-1"));

    var result = nodes.cordon(new CordonRequest("worker-1", WORKFLOW, "firmware upgrade"));

    Node node = read("worker-1");
    assertFalse(result.wasUnschedulable());
    assertTrue(node.getSpec().getUnschedulable());
    assertEquals(1, drainTaints(node));
    assertEquals(WORKFLOW, node.getMetadata().getAnnotations().get(NodeMarks.OWNER_ANNOTATION));
    assertEquals("false", node.getMetadata().getAnnotations().get(NodeMarks.WAS_UNSCHEDULABLE_ANNOTATION));
  }

  @Test
  void cordoningTwiceIsOneCordonAndStillReportsTheNodeWasSchedulable() {
    create(Fixtures.node("worker-1"));
    nodes.cordon(new CordonRequest("worker-1", WORKFLOW, "firmware upgrade"));
    String versionAfterFirst = read("worker-1").getMetadata().getResourceVersion();

    var second = nodes.cordon(new CordonRequest("worker-1", WORKFLOW, "firmware upgrade"));

    assertFalse(second.wasUnschedulable(), "our own cordon must not be mistaken for a prior one");
    assertEquals(versionAfterFirst, read("worker-1").getMetadata().getResourceVersion(), "a re-run writes nothing");
    assertEquals(1, drainTaints(read("worker-1")));
  }

  @Test
  void cordonOfAnAlreadyUnschedulableNodeRecordsThatItWas() {
    Node node = Fixtures.node("worker-1");
    node.getSpec().setUnschedulable(true);
    create(node);

    var first = nodes.cordon(new CordonRequest("worker-1", WORKFLOW, "disk swap"));
    var rerun = nodes.cordon(new CordonRequest("worker-1", WORKFLOW, "disk swap"));

    assertTrue(first.wasUnschedulable());
    assertTrue(rerun.wasUnschedulable());
    assertEquals("true", read("worker-1").getMetadata().getAnnotations().get(NodeMarks.WAS_UNSCHEDULABLE_ANNOTATION));
  }

  @Test
  void cordonKeepsTheTaintsOfOtherTools() {
    Node node = Fixtures.node("worker-1");
    Taint gpu = new TaintBuilder().withKey("nvidia.com/gpu").withValue("true").withEffect("NoSchedule").build();
    node.getSpec().setTaints(List.of(gpu));
    create(node);

    nodes.cordon(new CordonRequest("worker-1", WORKFLOW, "firmware upgrade"));

    List<Taint> taints = read("worker-1").getSpec().getTaints();
    assertEquals(2, taints.size());
    assertTrue(taints.stream().anyMatch(t -> "nvidia.com/gpu".equals(t.getKey())));
  }

  @Test
  void cordonOfANodeOwnedByAnotherWorkflowFailsLeaseHeldAndChangesNothing() {
    create(Fixtures.node("worker-1"));
    nodes.cordon(new CordonRequest("worker-1", "maintenance-other", "other"));
    String version = read("worker-1").getMetadata().getResourceVersion();

    var failure =
        assertThrows(ActivityFailure.class, () -> nodes.cordon(new CordonRequest("worker-1", WORKFLOW, "mine")));

    assertEquals(Failures.LEASE_HELD, Fixtures.failureType(failure));
    assertTrue(Fixtures.nonRetryable(failure));
    assertEquals(version, read("worker-1").getMetadata().getResourceVersion());
  }

  @Test
  void cordonOfAMissingNodeFailsNodeNotFound() {
    var failure =
        assertThrows(ActivityFailure.class, () -> nodes.cordon(new CordonRequest("ghost", WORKFLOW, "x")));

    assertEquals(Failures.NODE_NOT_FOUND, Fixtures.failureType(failure));
    assertTrue(Fixtures.nonRetryable(failure));
  }

  @Test
  void restoreWithUncordonMakesTheNodeSchedulableAndRemovesOurMarks() {
    Node node = Fixtures.node("worker-1");
    node.getSpec().setTaints(List.of(new TaintBuilder().withKey("keep").withEffect("NoExecute").build()));
    create(node);
    nodes.cordon(new CordonRequest("worker-1", WORKFLOW, "firmware upgrade"));

    nodes.restoreNode(new RestoreNodeRequest("worker-1", WORKFLOW, true));

    Node restored = read("worker-1");
    assertNotEquals(Boolean.TRUE, restored.getSpec().getUnschedulable());
    assertEquals(0, drainTaints(restored));
    assertEquals(List.of("keep"), restored.getSpec().getTaints().stream().map(Taint::getKey).toList());
    var annotations = restored.getMetadata().getAnnotations();
    assertTrue(annotations == null || !annotations.containsKey(NodeMarks.OWNER_ANNOTATION));
    assertTrue(annotations == null || !annotations.containsKey(NodeMarks.WAS_UNSCHEDULABLE_ANNOTATION));
  }

  @Test
  void restoreWithoutUncordonLeavesTheNodeCordonedButRemovesTaintAndOwner() {
    Node node = Fixtures.node("worker-1");
    node.getSpec().setUnschedulable(true);
    create(node);
    nodes.cordon(new CordonRequest("worker-1", WORKFLOW, "disk swap"));

    nodes.restoreNode(new RestoreNodeRequest("worker-1", WORKFLOW, false));

    Node restored = read("worker-1");
    assertTrue(restored.getSpec().getUnschedulable());
    assertEquals(0, drainTaints(restored));
    NodeSnapshot snapshot = nodes.getNode("worker-1");
    assertNull(snapshot.maintenanceOwner());
    assertFalse(snapshot.drainTaint());
  }

  @Test
  void restoreLeavesANodeOwnedByAnotherWorkflowAlone() {
    create(Fixtures.node("worker-1"));
    nodes.cordon(new CordonRequest("worker-1", "maintenance-other", "other"));
    String version = read("worker-1").getMetadata().getResourceVersion();

    nodes.restoreNode(new RestoreNodeRequest("worker-1", WORKFLOW, true));

    assertEquals(version, read("worker-1").getMetadata().getResourceVersion());
    assertTrue(read("worker-1").getSpec().getUnschedulable());
  }

  @Test
  void restoreOfAMissingNodeSucceeds() {
    nodes.restoreNode(new RestoreNodeRequest("ghost", WORKFLOW, true));
  }

  @Test
  void getNodeReportsCordonTaintAndOwner() {
    create(Fixtures.node("worker-1"));
    nodes.cordon(new CordonRequest("worker-1", WORKFLOW, "firmware upgrade"));

    NodeSnapshot snapshot = nodes.getNode("worker-1");
    NodeSnapshot missing = nodes.getNode("ghost");

    assertTrue(snapshot.exists());
    assertTrue(snapshot.unschedulable());
    assertTrue(snapshot.drainTaint());
    assertEquals(WORKFLOW, snapshot.maintenanceOwner());
    assertEquals(List.of("medik8s.io/drain:NoSchedule"), snapshot.taints());
    assertFalse(missing.exists());
  }

  @Test
  void emittingTheSameEventTwiceCreatesOneEventOnTheNode() {
    Node node = create(Fixtures.node("worker-1"));
    var request =
        new NodeEventRequest("worker-1", NodeEventReason.BeginMaintenance, "Begin node maintenance", false, WORKFLOW + "/begin");

    nodes.emitNodeEvent(request);
    nodes.emitNodeEvent(request);

    List<Event> events = cluster.client.v1().events().inNamespace("default").list().getItems();
    assertEquals(1, events.size());
    Event event = events.get(0);
    assertEquals("Node", event.getInvolvedObject().getKind());
    assertEquals("worker-1", event.getInvolvedObject().getName());
    assertEquals(node.getMetadata().getUid(), event.getInvolvedObject().getUid());
    assertEquals("BeginMaintenance", event.getReason());
    assertEquals("Normal", event.getType());
    assertEquals(NodeMarks.COMPONENT, event.getSource().getComponent());
  }

  @Test
  void eventsWithDifferentDedupKeysAreDistinctAndWarningsAreTyped() {
    create(Fixtures.node("worker-1"));

    nodes.emitNodeEvent(new NodeEventRequest("worker-1", NodeEventReason.BeginMaintenance, "begin", false, "a"));
    nodes.emitNodeEvent(new NodeEventRequest("worker-1", NodeEventReason.FailedMaintenance, "drain failed", true, "b"));

    List<Event> events = cluster.client.v1().events().inNamespace("default").list().getItems();
    assertEquals(2, events.size());
    assertEquals(
        "Warning",
        events.stream().filter(e -> e.getReason().equals("FailedMaintenance")).findFirst().orElseThrow().getType());
  }
}
