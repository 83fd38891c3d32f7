package dev.runbook.activities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.workflows.activities.DrainActivities;
import dev.runbook.workflows.activities.LeaseActivities;
import dev.runbook.workflows.activities.NodeActivities;
import dev.runbook.workflows.activities.VirtualMachineActivities;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Client factory and the activities a worker registers")
class KubernetesClientsTest {
  private static Config config() {
    return new ConfigBuilder(Config.empty()).withMasterUrl("https://api.cluster.example:6443").withRequestRetryBackoffLimit(10).build();
  }

  @Test
  void theEvictionClientNeverRetriesSoA429ReachesTheActivityAtOnce() {
    try (KubernetesClients clients = KubernetesClients.fromConfig(config())) {
      assertEquals(0, clients.evictionClient().getConfiguration().getRequestRetryBackoffLimit());
      assertNotEquals(0, clients.client().getConfiguration().getRequestRetryBackoffLimit());
      assertEquals("https://api.cluster.example:6443/", clients.evictionClient().getConfiguration().getMasterUrl());
    }
  }

  @Test
  void aReachableApiServerPassesTheStartupCheck() {
    try (TestCluster cluster = new TestCluster()) {
      cluster.clients.checkReachable();
    }
  }

  @Test
  void anUnreachableApiServerFailsTheStartupCheckNamingIt() throws Exception {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Config nobody =
        new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:" + closedPort).withConnectionTimeout(2000).build();
    try (KubernetesClients clients = KubernetesClients.fromConfig(nobody)) {
      var failure = assertThrows(IllegalStateException.class, clients::checkReachable);
      assertTrue(failure.getMessage().contains("127.0.0.1:" + closedPort), failure.getMessage());
    }
  }

  @Test
  void theFactoryGivesOneImplementationOfEachActivityInterface() {
    try (KubernetesClients clients = KubernetesClients.fromConfig(config())) {
      Object[] all = ActivitiesFactory.create(clients).toArray();

      assertEquals(4, all.length);
      for (Class<?> api : new Class<?>[] {NodeActivities.class, LeaseActivities.class, DrainActivities.class, VirtualMachineActivities.class}) {
        assertEquals(1, Arrays.stream(all).filter(api::isInstance).count(), api.getSimpleName());
      }
      assertInstanceOf(DrainActivitiesImpl.class, ActivitiesFactory.create(clients).drain());
    }
  }
}
