package dev.runbook.workflows.model;

import java.util.List;

/**
 * The answer to the {@code status} query. The first block mirrors NMO's NodeMaintenance status
 * ({@code phase}, {@code totalpods}, {@code evictionPods}, {@code pendingPods}, {@code drainProgress},
 * {@code lastError}, {@code lastUpdate}); the rest is what NMO lacks.
 *
 * @param totalpods pods on the node when the drain was planned
 * @param evictionPods pods the drain has to remove (everything not skipped)
 * @param pendingPods names of the pods still to be removed
 * @param drainProgress 0-100: share of {@code evictionPods} gone
 * @param lastUpdate RFC 3339 workflow time of the last change
 * @param wasUnschedulable the node was already cordoned before this maintenance (it stays cordoned after it)
 * @param drainDeadline RFC 3339 time after which the drain is reported as blocked, null outside DRAINING
 * @param awaitingOperator the workflow waits for {@code resume}, {@code escalate} or {@code extendDrainDeadline}
 */
public record MaintenanceStatus(
    String nodeName,
    String reason,
    Stage stage,
    Phase phase,
    int totalpods,
    int evictionPods,
    List<String> pendingPods,
    List<String> pendingPodsRefs,
    int drainProgress,
    String lastError,
    String lastUpdate,
    int errorOnLeaseCount,
    Boolean wasUnschedulable,
    String drainDeadline,
    boolean awaitingOperator,
    List<PodProgress> pods,
    List<VmProgress> vms,
    List<Blocker> blockers) {}
