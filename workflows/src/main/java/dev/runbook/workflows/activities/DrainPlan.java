package dev.runbook.workflows.activities;

import java.util.List;

/**
 * Every pod on the node (listed with the {@code spec.nodeName} field selector) and what the drain does with it.
 * The plan is feasible when no pod has {@link PodAction#REFUSE}.
 */
public record DrainPlan(String nodeName, List<PlannedPod> pods) {
  public List<PlannedPod> refused() {
    return pods.stream().filter(p -> p.action() == PodAction.REFUSE).toList();
  }

  public boolean feasible() {
    return refused().isEmpty();
  }
}
