package dev.runbook.workflows.model;

/** Where a maintenance is. {@link #DRAIN_BLOCKED} is DRAINING past its deadline, waiting for the operator. */
public enum Stage {
  VALIDATING,
  CORDONING,
  DRAINING,
  DRAIN_BLOCKED,
  AWAITING_RESUME,
  UNCORDONING,
  COMPLETED,
  FAILED,
  CANCELLED;

  public boolean isFinal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }
}
