package dev.runbook.simulator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.runbook.simulator.SimulatedCluster;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Leases and events.k8s.io Events work as the workflow's activities use them")
class LeaseAndEventTest {
  private SimulatedCluster cluster;

  @BeforeEach
  void start() {
    cluster = SimulatedCluster.builder().start();
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  @DisplayName("a Lease is created once; a second holder's stale update is refused with 409")
  void leaseIsExclusive() {
    var leases = cluster.client().leases().inNamespace("kube-node-lease");
    Lease created = leases.resource(new LeaseBuilder().withNewMetadata().withName("node-worker-1").endMetadata()
        .withNewSpec().withHolderIdentity("maintenance-worker-1").withLeaseDurationSeconds(3600).endSpec().build())
        .create();

    KubernetesClientException duplicate =
        assertThrows(KubernetesClientException.class, () -> leases.resource(new LeaseBuilder().withNewMetadata()
            .withName("node-worker-1").endMetadata().withNewSpec().withHolderIdentity("other").endSpec().build())
            .create());
    assertEquals(409, duplicate.getCode());

    created.getSpec().setLeaseDurationSeconds(60);
    leases.resource(created).update();
    created.getSpec().setHolderIdentity("other");
    KubernetesClientException stale =
        assertThrows(KubernetesClientException.class, () -> leases.resource(created).update());
    assertEquals(409, stale.getCode());
    assertEquals("maintenance-worker-1", leases.withName("node-worker-1").get().getSpec().getHolderIdentity());
  }

  @Test
  @DisplayName("events.k8s.io/v1 Events are created and listed with a field selector on their regarding object")
  void eventsV1() {
    var events = cluster.client().events().v1().events().inNamespace("default");
    events.resource(new EventBuilder().withNewMetadata().withGenerateName("worker-1.").endMetadata()
        .withNewRegarding().withKind("Node").withName("worker-1").endRegarding()
        .withReason("BeginMaintenance").withNote("maintenance started").withType("Normal")
        .withAction("Cordon").withReportingController("runbook").withReportingInstance("w")
        .build()).create();

    var listed = events.withField("regarding.name", "worker-1").list().getItems();

    assertEquals(1, listed.size());
    assertEquals("BeginMaintenance", listed.get(0).getReason());
  }
}
