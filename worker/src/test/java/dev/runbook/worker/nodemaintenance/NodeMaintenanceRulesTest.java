package dev.runbook.worker.nodemaintenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeMaintenanceRulesTest {
  private static final Set<String> NODES = Set.of("worker-1", "worker-2");

  static GenericKubernetesResource nm(String group, String name, String node, String created) {
    GenericKubernetesResource r =
        new GenericKubernetesResourceBuilder()
            .withApiVersion(group + "/v1beta1")
            .withKind("NodeMaintenance")
            .withNewMetadata()
            .withName(name)
            .withUid(created == null ? null : "uid-" + name)
            .withCreationTimestamp(created)
            .endMetadata()
            .build();
    r.setAdditionalProperty("spec", Map.of("nodeName", node, "reason", "test"));
    return r;
  }

  @Test
  void aResourceForAnExistingFreeNodeIsAccepted() {
    var candidate = nm("nodemaintenance.kubevirt.io", "a", "worker-1", "2026-11-28T05:00:00Z");
    var other = nm("nodemaintenance.kubevirt.io", "b", "worker-2", "2026-11-28T04:00:00Z");
    assertEquals(Optional.empty(), NodeMaintenanceRules.refuseCreate(candidate, NODES::contains, List.of(candidate, other)));
  }

  @Test
  void anUnknownNodeIsRefusedWithWhatToDo() {
    var candidate = nm("nodemaintenance.kubevirt.io", "a", "node-1.example.com", null);
    assertRefused(NodeMaintenanceRules.refuseCreate(candidate, NODES::contains, List.of()), "node \"node-1.example.com\" not found", "kubectl get nodes");
  }

  @Test
  void aMissingNodeNameIsRefused() {
    var candidate = nm("nodemaintenance.kubevirt.io", "a", " ", null);
    assertRefused(NodeMaintenanceRules.refuseCreate(candidate, NODES::contains, List.of()), "spec.nodeName is required");
  }

  @Test
  void theSecondResourceForANodeIsRefusedAcrossBothGroupsAndTheFirstIsNot() {
    var first = nm("nodemaintenance.medik8s.io", "first", "worker-1", "2026-11-28T04:00:00Z");
    var second = nm("nodemaintenance.kubevirt.io", "second", "worker-1", "2026-11-28T05:00:00Z");
    assertRefused(NodeMaintenanceRules.refuseCreate(second, NODES::contains, List.of(first, second)), "already in maintenance by nodemaintenance.nodemaintenance.medik8s.io/first");
    assertEquals(Optional.empty(), NodeMaintenanceRules.refuseCreate(first, NODES::contains, List.of(first, second)));
  }

  @Test
  void aCandidateNotYetStoredLosesToAnyStoredResourceForItsNode() {
    var stored = nm("nodemaintenance.kubevirt.io", "stored", "worker-1", "2026-11-28T04:00:00Z");
    var incoming = nm("nodemaintenance.kubevirt.io", "incoming", "worker-1", null);
    assertTrue(NodeMaintenanceRules.refuseCreate(incoming, NODES::contains, List.of(stored)).isPresent());
  }

  @Test
  void theResourceAlreadyCarriedOutByAWorkflowWinsEvenIfYounger() {
    var older = nm("nodemaintenance.kubevirt.io", "older", "worker-1", "2026-11-28T04:00:00Z");
    var running = nm("nodemaintenance.kubevirt.io", "running", "worker-1", "2026-11-28T05:00:00Z");
    running.getMetadata().setAnnotations(Map.of(NodeMaintenanceResources.NODE_ANNOTATION, "worker-1"));
    assertTrue(NodeMaintenanceRules.refuseCreate(older, NODES::contains, List.of(older, running)).isPresent());
    assertEquals(Optional.empty(), NodeMaintenanceRules.refuseCreate(running, NODES::contains, List.of(older, running)));
  }

  @Test
  void aResourceBeingDeletedDoesNotBlockItsSuccessor() {
    var leaving = nm("nodemaintenance.kubevirt.io", "leaving", "worker-1", "2026-11-28T04:00:00Z");
    leaving.getMetadata().setDeletionTimestamp("2026-11-28T05:00:00Z");
    var next = nm("nodemaintenance.kubevirt.io", "next", "worker-1", "2026-11-28T05:01:00Z");
    assertEquals(Optional.empty(), NodeMaintenanceRules.refuseCreate(next, NODES::contains, List.of(leaving, next)));
  }

  @Test
  void aResourceTheControllerRefusedDoesNotBlockTheNextOne() {
    var refused = nm("nodemaintenance.kubevirt.io", "refused", "worker-1", "2026-11-28T04:00:00Z");
    refused.setAdditionalProperty("status", Map.of("phase", "Failed", "lastError", "..."));
    var next = nm("nodemaintenance.kubevirt.io", "next", "worker-1", "2026-11-28T05:01:00Z");
    assertEquals(Optional.empty(), NodeMaintenanceRules.refuseCreate(next, NODES::contains, List.of(refused, next)));
  }

  @Test
  void theNodeNameCannotChange() {
    var old = nm("nodemaintenance.kubevirt.io", "a", "worker-1", "2026-11-28T04:00:00Z");
    var moved = nm("nodemaintenance.kubevirt.io", "a", "worker-2", "2026-11-28T04:00:00Z");
    assertRefused(NodeMaintenanceRules.refuseUpdate(old, moved), "spec.nodeName cannot change (was \"worker-1\", now \"worker-2\")");
    assertEquals(Optional.empty(), NodeMaintenanceRules.refuseUpdate(old, old));
  }

  private static void assertRefused(Optional<String> refusal, String... parts) {
    assertTrue(refusal.isPresent(), "expected a refusal");
    for (String part : parts) {
      assertTrue(refusal.get().contains(part), () -> "refusal \"" + refusal.get() + "\" lacks \"" + part + "\"");
    }
  }
}
