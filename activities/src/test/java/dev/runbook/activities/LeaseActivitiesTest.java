package dev.runbook.activities;

import static dev.runbook.activities.Fixtures.ONE_ATTEMPT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.workflows.activities.Failures;
import dev.runbook.workflows.activities.LeaseActivities;
import dev.runbook.workflows.activities.LeaseRequest;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.temporal.failure.ActivityFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Lease activities: the medik8s per-node Lease")
class LeaseActivitiesTest {
  private static final String US = "maintenance-worker-1";
  private static final String THEM = "node-maintenance-operator";

  private TestCluster cluster;
  private TestActivityEnvironment env;
  private LeaseActivities leases;
  private MutableClock clock;
  private Node node;

  @BeforeEach
  void setUp() {
    cluster = new TestCluster();
    clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new LeaseActivitiesImpl(cluster.client, clock));
    leases = env.newActivityStub(LeaseActivities.class, ONE_ATTEMPT);
    node = cluster.client.nodes().resource(Fixtures.node("worker-1")).create();
  }

  @AfterEach
  void tearDown() {
    env.close();
    cluster.close();
  }

  private Lease lease() {
    return cluster.client.leases().inNamespace("medik8s-leases").withName("node-worker-1").get();
  }

  @Test
  void acquireCreatesTheLeaseWhereMedik8sOperatorsLookForIt() {
    leases.acquireLease(new LeaseRequest("worker-1", US, 3600));

    assertNotNull(cluster.client.namespaces().withName("medik8s-leases").get(), "the namespace is created if missing");
    Lease lease = lease();
    assertEquals(US, lease.getSpec().getHolderIdentity());
    assertEquals(3600, lease.getSpec().getLeaseDurationSeconds());
    assertEquals(clock.instant(), lease.getSpec().getAcquireTime().toInstant());
    assertEquals(clock.instant(), lease.getSpec().getRenewTime().toInstant());
    var owner = lease.getMetadata().getOwnerReferences().get(0);
    assertEquals("Node", owner.getKind());
    assertEquals(node.getMetadata().getUid(), owner.getUid());
  }

  @Test
  void acquiringALeaseWeHoldRenewsIt() {
    leases.acquireLease(new LeaseRequest("worker-1", US, 3600));
    clock.advance(Duration.ofMinutes(10));

    leases.acquireLease(new LeaseRequest("worker-1", US, 3600));

    assertEquals(clock.instant(), lease().getSpec().getRenewTime().toInstant());
    assertEquals(clock.instant().minus(Duration.ofMinutes(10)), lease().getSpec().getAcquireTime().toInstant());
  }

  @Test
  void aLeaseHeldByAnotherHolderFailsLeaseHeldNamingTheHolderAndExpiry() {
    createForeignLease(Instant.parse("2026-01-01T09:59:00Z"), 3600);

    var failure =
        assertThrows(ActivityFailure.class, () -> leases.acquireLease(new LeaseRequest("worker-1", US, 3600)));

    assertEquals(Failures.LEASE_HELD, Fixtures.failureType(failure));
    assertTrue(Fixtures.nonRetryable(failure));
    String message = failure.getCause().getMessage();
    assertTrue(message.contains(THEM), message);
    assertTrue(message.contains("2026-01-01T10:59:00Z"), message);
    assertEquals(THEM, lease().getSpec().getHolderIdentity());
  }

  @Test
  void anExpiredLeaseOfAnotherHolderIsTakenOverAndTheTransitionCounted() {
    createForeignLease(Instant.parse("2026-01-01T08:00:00Z"), 60);

    leases.acquireLease(new LeaseRequest("worker-1", US, 3600));

    Lease lease = lease();
    assertEquals(US, lease.getSpec().getHolderIdentity());
    assertEquals(1, lease.getSpec().getLeaseTransitions());
    assertEquals(clock.instant(), lease.getSpec().getAcquireTime().toInstant());
  }

  @Test
  void renewingALeaseSomeoneElseTookOverFailsLeaseHeld() {
    createForeignLease(Instant.parse("2026-01-01T08:00:00Z"), 60);

    var failure =
        assertThrows(ActivityFailure.class, () -> leases.renewLease(new LeaseRequest("worker-1", US, 3600)));

    assertEquals(Failures.LEASE_HELD, Fixtures.failureType(failure));
    assertEquals(THEM, lease().getSpec().getHolderIdentity());
  }

  @Test
  void releaseDeletesOurLeaseAndIsANoOpTheSecondTime() {
    leases.acquireLease(new LeaseRequest("worker-1", US, 3600));

    leases.releaseLease(new LeaseRequest("worker-1", US, 3600));
    leases.releaseLease(new LeaseRequest("worker-1", US, 3600));

    assertNull(lease());
  }

  @Test
  void releaseLeavesAForeignLeaseAlone() {
    createForeignLease(clock.instant(), 3600);

    leases.releaseLease(new LeaseRequest("worker-1", US, 3600));

    assertEquals(THEM, lease().getSpec().getHolderIdentity());
  }

  private void createForeignLease(Instant renewed, int durationSeconds) {
    cluster.client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("medik8s-leases").endMetadata().build()).create();
    cluster.client.leases().inNamespace("medik8s-leases").resource(
        new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
            .withNewMetadata().withName("node-worker-1").withNamespace("medik8s-leases").endMetadata()
            .withNewSpec()
            .withHolderIdentity(THEM)
            .withLeaseDurationSeconds(durationSeconds)
            .withAcquireTime(LeaseActivitiesImpl.microTime(renewed))
            .withRenewTime(LeaseActivitiesImpl.microTime(renewed))
            .endSpec()
            .build()).create();
  }
}
