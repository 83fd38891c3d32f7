package dev.runbook.workflows.activities;

import dev.runbook.workflows.model.PodRef;
import java.util.List;

/**
 * One pod on the node and what the drain will do with it.
 *
 * @param owner {@code Kind/name} of the controller owner, or null when unmanaged
 * @param phase the pod's {@code status.phase}
 * @param emptyDir the pod has emptyDir volumes (their data is lost on eviction)
 * @param pdbs {@code namespace/name} of every PodDisruptionBudget that selects the pod
 * @param vm the VMI behind a virt-launcher pod, else null
 * @param reason why this action, in plain words (for REFUSE: what option would allow it)
 */
public record PlannedPod(
    PodRef ref,
    String owner,
    String phase,
    boolean emptyDir,
    List<String> pdbs,
    PlannedVm vm,
    PodAction action,
    String reason) {}
