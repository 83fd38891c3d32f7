package dev.runbook.workflows.activities;

import java.util.List;

/**
 * A node as the workflow needs to see it.
 *
 * @param maintenanceOwner the value of the owner annotation ({@code runbook.dev/maintenance-workflow}), or null
 * @param drainTaint whether the {@code medik8s.io/drain:NoSchedule} taint is present
 */
public record NodeSnapshot(
    String name, boolean exists, boolean unschedulable, boolean drainTaint, String maintenanceOwner, List<String> taints) {}
