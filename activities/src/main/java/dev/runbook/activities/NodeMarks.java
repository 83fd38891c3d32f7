package dev.runbook.activities;

/** What a maintenance leaves on a Node, so a re-run and other tools can tell whose it is. */
public final class NodeMarks {
  private NodeMarks() {}

  /** The workflow id that owns the node's maintenance. */
  public static final String OWNER_ANNOTATION = "runbook.dev/maintenance-workflow";

  /**
   * Whether the node was unschedulable before we cordoned it; written in the same update as the cordon so that a
   * crash after the cordon cannot make a retry mistake our own cordon for a prior one.
   */
  public static final String WAS_UNSCHEDULABLE_ANNOTATION = "runbook.dev/was-unschedulable";

  public static final String REASON_ANNOTATION = "runbook.dev/maintenance-reason";

  /** The medik8s drain taint that NMO sets too, so other remediation tools recognise a node in maintenance. */
  public static final String DRAIN_TAINT_KEY = "medik8s.io/drain";

  public static final String DRAIN_TAINT_EFFECT = "NoSchedule";

  /** Events' {@code source.component} and {@code reportingComponent}. */
  public static final String COMPONENT = "maintenance-runbooks";
}
