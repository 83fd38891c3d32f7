package dev.runbook.activities;

import dev.runbook.workflows.activities.Failures;
import dev.runbook.workflows.activities.LeaseActivities;
import dev.runbook.workflows.activities.LeaseRequest;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseList;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The per-node Lease as medik8s/common's lease manager keeps it (namespace {@code medik8s-leases}, name
 * {@code node-<nodeName>}, owned by the Node, {@code leaseTransitions} counted on takeover), so NMO, SNR and other
 * medik8s operators see our maintenance and we see theirs.
 */
public final class LeaseActivitiesImpl implements LeaseActivities {
  public static final String LEASE_NAMESPACE = "medik8s-leases";
  private static final int MAX_CONFLICT_RETRIES = 10;

  private final KubernetesClient client;
  private final Clock clock;

  public LeaseActivitiesImpl(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public static String leaseName(String nodeName) {
    return "node-" + nodeName;
  }

  @Override
  public void acquireLease(LeaseRequest request) {
    takeOrRenew(request, true);
  }

  @Override
  public void renewLease(LeaseRequest request) {
    takeOrRenew(request, false);
  }

  @Override
  public void releaseLease(LeaseRequest request) {
    String action = "release lease " + LEASE_NAMESPACE + "/" + leaseName(request.nodeName());
    for (int attempt = 1; ; attempt++) {
      Lease lease = ApiFailures.call(action, () -> leases().withName(leaseName(request.nodeName())).get());
      if (lease == null || !request.holderIdentity().equals(holder(lease))) {
        return;
      }
      try {
        // Preconditions: if the Lease changed hands since we read it, the delete fails instead of removing theirs.
        Preconditioned.delete(
            client,
            "/apis/coordination.k8s.io/v1/namespaces/" + LEASE_NAMESPACE + "/leases/" + lease.getMetadata().getName(),
            lease.getMetadata().getUid(),
            lease.getMetadata().getResourceVersion(),
            null);
        return;
      } catch (KubernetesClientException e) {
        if (!ApiFailures.isConflict(e) || attempt >= MAX_CONFLICT_RETRIES) {
          throw ApiFailures.translate(action, e);
        }
      }
    }
  }

  private void takeOrRenew(LeaseRequest request, boolean takeOverExpired) {
    String name = leaseName(request.nodeName());
    String action = (takeOverExpired ? "acquire" : "renew") + " lease " + LEASE_NAMESPACE + "/" + name;
    for (int attempt = 1; ; attempt++) {
      Lease lease = ApiFailures.call(action, () -> leases().withName(name).get());
      Instant now = clock.instant();
      try {
        if (lease == null) {
          ensureNamespace(action);
          leases().resource(newLease(request, now)).create();
          return;
        }
        String holder = holder(lease);
        LeaseSpec spec = lease.getSpec();
        if (request.holderIdentity().equals(holder)) {
          spec.setRenewTime(microTime(now));
          spec.setLeaseDurationSeconds(request.durationSeconds());
        } else if (takeOverExpired && (holder == null || expired(spec, now))) {
          spec.setHolderIdentity(request.holderIdentity());
          spec.setAcquireTime(microTime(now));
          spec.setRenewTime(microTime(now));
          spec.setLeaseDurationSeconds(request.durationSeconds());
          spec.setLeaseTransitions(spec.getLeaseTransitions() == null ? 1 : spec.getLeaseTransitions() + 1);
        } else {
          throw ApplicationFailure.newNonRetryableFailure(
              "lease " + LEASE_NAMESPACE + "/" + name + " for node " + request.nodeName() + " is held by " + holder
                  + (expiry(spec) == null ? "" : " until " + expiry(spec)),
              Failures.LEASE_HELD,
              holder);
        }
        leases().resource(lease).update(); // our resourceVersion: a concurrent taker makes this a 409
        return;
      } catch (KubernetesClientException e) {
        if (!ApiFailures.isConflict(e) || attempt >= MAX_CONFLICT_RETRIES) {
          throw ApiFailures.translate(action, e);
        }
      }
    }
  }

  private Lease newLease(LeaseRequest request, Instant now) {
    Node node = client.nodes().withName(request.nodeName()).get();
    LeaseBuilder builder =
        new LeaseBuilder()
            .withNewMetadata()
            .withName(leaseName(request.nodeName()))
            .withNamespace(LEASE_NAMESPACE)
            .endMetadata()
            .withNewSpec()
            .withHolderIdentity(request.holderIdentity())
            .withLeaseDurationSeconds(request.durationSeconds())
            .withAcquireTime(microTime(now))
            .withRenewTime(microTime(now))
            .withLeaseTransitions(0)
            .endSpec();
    if (node != null) {
      // As medik8s does: the Lease goes away with the Node.
      builder
          .editMetadata()
          .withOwnerReferences(
              List.of(
                  new OwnerReferenceBuilder()
                      .withApiVersion("v1")
                      .withKind("Node")
                      .withName(node.getMetadata().getName())
                      .withUid(node.getMetadata().getUid())
                      .build()))
          .endMetadata();
    }
    return builder.build();
  }

  private void ensureNamespace(String action) {
    if (client.namespaces().withName(LEASE_NAMESPACE).get() != null) {
      return;
    }
    try {
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(LEASE_NAMESPACE).endMetadata().build())
          .create();
    } catch (KubernetesClientException e) {
      if (!ApiFailures.isConflict(e)) {
        throw ApiFailures.translate(action, e);
      }
    }
  }

  private NonNamespaceOperation<Lease, LeaseList, Resource<Lease>> leases() {
    return client.leases().inNamespace(LEASE_NAMESPACE);
  }

  private static String holder(Lease lease) {
    return lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  /** A Lease without a renew (or acquire) time or a duration holds nothing, as medik8s treats it. */
  static boolean expired(LeaseSpec spec, Instant now) {
    Instant expiry = expiry(spec);
    return expiry == null || !expiry.isAfter(now);
  }

  static Instant expiry(LeaseSpec spec) {
    ZonedDateTime last = spec.getRenewTime() != null ? spec.getRenewTime() : spec.getAcquireTime();
    if (last == null || spec.getLeaseDurationSeconds() == null) {
      return null;
    }
    return last.toInstant().plusSeconds(spec.getLeaseDurationSeconds());
  }

  /** Lease times are MicroTime on the wire: keep microseconds, no more. */
  static ZonedDateTime microTime(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MICROS).atZone(ZoneOffset.UTC);
  }
}
