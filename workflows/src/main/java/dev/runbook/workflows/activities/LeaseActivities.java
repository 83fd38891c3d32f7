package dev.runbook.workflows.activities;

import io.temporal.activity.ActivityInterface;

/** The exclusive per-node Lease (coordination.k8s.io/v1). */
@ActivityInterface
public interface LeaseActivities {
  /**
   * Take the Lease, or renew it if we already hold it. Fails {@link Failures#LEASE_HELD} (non-retryable) when a
   * different holder has an unexpired Lease; the message names the holder and when it expires.
   */
  void acquireLease(LeaseRequest request);

  /** Same as acquire for a Lease we hold; fails LEASE_HELD if someone else took it over. */
  void renewLease(LeaseRequest request);

  /** Release our Lease (delete it, or clear it if held by us); a missing or foreign Lease is left alone. */
  void releaseLease(LeaseRequest request);
}
