package dev.runbook.workflows;

import dev.runbook.workflows.activities.Failures;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;

/**
 * The two kinds of activity the maintenance runs, and how Temporal retries and times them.
 *
 * <p>Retries never give up on their own ({@code maximumAttempts} unset): the runbook has to survive an API server
 * outage of any length, and a pending activity with a growing attempt count is what the Web UI shows meanwhile.
 * Only the failure types that retrying cannot fix stop a call.
 */
final class MaintenanceActivityOptions {
  private MaintenanceActivityOptions() {}

  static final RetryOptions RETRY =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setBackoffCoefficient(2)
          .setMaximumInterval(Duration.ofSeconds(30))
          .setDoNotRetry(
              Failures.NODE_NOT_FOUND,
              Failures.LEASE_HELD,
              Failures.INVALID_REQUEST,
              Failures.DRAIN_INFEASIBLE,
              Failures.API_REFUSED)
          .build();

  /** One API call or a short read: a stuck call is abandoned and retried after 30 s. */
  static final ActivityOptions QUICK =
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(30)).setRetryOptions(RETRY).build();

  /**
   * Waits on the cluster (a PDB-blocked eviction, a live migration): as long as the cluster takes, watched by the
   * heartbeat. A worker that dies is noticed after the 5 s heartbeat timeout and the wait resumes on another one,
   * after the retry's 1 s back-off. bench/run, kill -9 of the worker mid-drain to drain progress again: 32 s with a
   * 30 s timeout, 11.2 s with 10 s (attempts 2 started 7.9-9.0 s after the kill), ≤ 10 s needs 5 s. The price: the
   * waits heartbeat every second and the worker sends at most one per 2 s (MaintenanceWorker.HEARTBEAT_THROTTLE,
   * which leaves a heartbeat 3 s to arrive), so 0.5 heartbeat RPCs per second per waiting pod (only pods whose
   * eviction is blocked and VMs migrating wait: evicted pods do not), each a write to the workflow's mutable state
   * on the server, no history event. The hour-long start-to-close only bounds one attempt (retries add no
   * history events).
   *
   * <p>TRY_CANCEL rather than WAIT_CANCELLATION_COMPLETED: the activity learns of a cancellation only from a
   * heartbeat response, and heartbeats are sent at most every 2 s (the worker's throttle), so waiting for the
   * acknowledgement would hold a resume or an escalation up to ~2 s (and up to the heartbeat timeout when the
   * worker is gone). What a late-running wait can still do is harmless: an eviction that lands after the
   * cancellation still respects the PDB, and the migration and pods-gone waits only read.
   */
  static final ActivityOptions WAITING =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofHours(1))
          .setHeartbeatTimeout(Duration.ofSeconds(5))
          .setCancellationType(ActivityCancellationType.TRY_CANCEL)
          .setRetryOptions(RETRY)
          .build();

  /** How long one awaitPodsGone call waits before it reports, so the status shows pods leaving one by one. */
  static final int PODS_GONE_REPORT_SECONDS = 10;

  /** The longest such wait, reached while nothing goes (a pod stuck terminating). */
  static final int PODS_GONE_MAX_REPORT_SECONDS = 300;
}
