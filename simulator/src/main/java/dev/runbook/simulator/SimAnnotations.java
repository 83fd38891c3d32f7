package dev.runbook.simulator;

/**
 * Annotations that set simulated durations and faults on scenario objects. Documented, with defaults, in the
 * simulator's README. On a Deployment / StatefulSet / DaemonSet / Job they go on the pod template.
 */
public final class SimAnnotations {
  private SimAnnotations() {}

  public static final String PREFIX = "sim.runbook.dev/";
  /** Pod: seconds from deletion to gone (capped by the grace period, as a kubelet would). Default 1. */
  public static final String TERMINATION_SECONDS = PREFIX + "termination-seconds";
  /** Pod: seconds from scheduled to Running and Ready. Default 2. */
  public static final String STARTUP_SECONDS = PREFIX + "startup-seconds";
  /** VMI (or VM template): seconds a live migration takes once Running. Default 5. */
  public static final String MIGRATION_SECONDS = PREFIX + "migration-seconds";
  /** VMI (or VM template): the first N migrations of this VMI fail. Default 0. */
  public static final String MIGRATION_FAILURES = PREFIX + "migration-failures";
  /**
   * VMI: written by the simulator, not by scenarios: how many of this VMI's migrations reached their end (failed
   * or succeeded), which is what {@link #MIGRATION_FAILURES} counts against.
   */
  public static final String MIGRATION_ATTEMPTS = PREFIX + "migration-attempts";
  /** Pod: never becomes Ready (a PDB that selects it then never allows a disruption). */
  public static final String NEVER_READY = PREFIX + "never-ready";
  /**
   * Pod owned by a Job (or the Job's pod template): seconds the pod runs once started before it Succeeds. Default 1.
   */
  public static final String RUN_SECONDS = PREFIX + "run-seconds";
  /**
   * Pod: the first N eviction requests for it answer 500 (an API fault), then evictions behave normally.
   */
  public static final String EVICTION_FAULTS = PREFIX + "eviction-faults";
}
