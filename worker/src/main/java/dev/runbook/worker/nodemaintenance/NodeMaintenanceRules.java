package dev.runbook.worker.nodemaintenance;

import static dev.runbook.worker.nodemaintenance.NodeMaintenanceResources.deleting;
import static dev.runbook.worker.nodemaintenance.NodeMaintenanceResources.describe;
import static dev.runbook.worker.nodemaintenance.NodeMaintenanceResources.nodeName;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The Node Maintenance Operator's admission rules: the node must exist, one NodeMaintenance per node (in either API
 * group), and {@code spec.nodeName} cannot change. The validating webhook applies them before a resource is stored;
 * where no webhook runs, the controller applies the same rules and refuses the resource in its status instead. Each
 * refusal says what to do about it.
 */
public final class NodeMaintenanceRules {
  private NodeMaintenanceRules() {}

  /**
   * Why {@code candidate} must not start a maintenance, or empty when it may.
   *
   * @param nodeExists whether a Node of that name exists
   * @param existing every NodeMaintenance in both groups (the candidate itself may be among them)
   */
  public static Optional<String> refuseCreate(
      GenericKubernetesResource candidate, Predicate<String> nodeExists, Collection<GenericKubernetesResource> existing) {
    String node = nodeName(candidate);
    if (node.isEmpty()) {
      return Optional.of("spec.nodeName is required: name the node to put into maintenance (see `kubectl get nodes`)");
    }
    if (!nodeExists.test(node)) {
      return Optional.of(
          "node \"" + node + "\" not found: spec.nodeName must name one of the nodes `kubectl get nodes` lists");
    }
    return existing.stream()
        // one being deleted is restoring its node and goes away by itself: the controller waits for it
        // a refused one never started anything
        .filter(other -> !sameObject(other, candidate) && node.equals(nodeName(other)) && !deleting(other))
        .filter(other -> !NodeMaintenanceResources.refused(other))
        .filter(other -> precedes(other, candidate))
        .min(BY_AGE)
        .map(
            other ->
                "node \"" + node + "\" is already in maintenance by " + describe(other) + ": only one NodeMaintenance "
                    + "per node (delete " + describe(other) + " to end that maintenance first)");
  }

  /** Why the update from {@code old} to {@code updated} must be refused, or empty when it may go ahead. */
  public static Optional<String> refuseUpdate(GenericKubernetesResource old, GenericKubernetesResource updated) {
    return refuseNodeChange(nodeName(old), updated);
  }

  /**
   * The controller's form of the immutability rule: {@code startedFor} is the node its workflow was started for
   * (recorded on the resource when it started it).
   */
  public static Optional<String> refuseNodeChange(String startedFor, GenericKubernetesResource current) {
    String now = nodeName(current);
    if (startedFor.isEmpty() || startedFor.equals(now)) {
      return Optional.empty();
    }
    return Optional.of(
        "spec.nodeName cannot change (was \"" + startedFor + "\", now \"" + now + "\"): set it back to \"" + startedFor
            + "\"; to maintain \"" + now + "\", delete this NodeMaintenance (that ends the maintenance of \""
            + startedFor + "\") and create a new one");
  }

  /**
   * Which of two resources for the same node came first. A resource the controller already accepted always
   * wins; then the older one (RFC 3339 UTC timestamps sort as text); then the name, so
   * every controller replica decides alike.
   */
  static boolean precedes(GenericKubernetesResource a, GenericKubernetesResource b) {
    return BY_AGE.compare(a, b) < 0;
  }

  private static final Comparator<GenericKubernetesResource> BY_AGE =
      Comparator.<GenericKubernetesResource, Boolean>comparing(
              nm -> !NodeMaintenanceResources.accepted(nm))
          // not stored yet (the webhook's candidate) counts as the newest
          .thenComparing(nm -> nm.getMetadata().getCreationTimestamp(), Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(NodeMaintenanceResources::describe);

  private static boolean sameObject(GenericKubernetesResource a, GenericKubernetesResource b) {
    String uidA = a.getMetadata().getUid();
    if (uidA != null && uidA.equals(b.getMetadata().getUid())) {
      return true;
    }
    return describe(a).equals(describe(b));
  }
}
