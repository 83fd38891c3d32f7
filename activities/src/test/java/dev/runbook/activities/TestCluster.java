package dev.runbook.activities;

import dev.runbook.simulator.EvictionAdmitter;
import dev.runbook.simulator.SimController;
import dev.runbook.simulator.SimulatedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/**
 * An empty simulated cluster (the project's simulator: the real HTTP API with field selectors, the eviction
 * subresource and PDB semantics) and the two clients the activities use. No controllers run unless a test asks for
 * one: a test changes the world itself, so each outcome is the activity's doing.
 */
final class TestCluster implements AutoCloseable {
  final SimulatedCluster sim;
  final KubernetesClient client;
  final KubernetesClients clients;

  TestCluster(EvictionAdmitter... admitters) {
    this(List.of(), admitters);
  }

  /** With the simulator's {@code controllers} running, for a test whose outcome depends on one (a kubelet). */
  TestCluster(List<SimController> controllers, EvictionAdmitter... admitters) {
    SimulatedCluster.Builder builder = SimulatedCluster.builder().controllers(controllers);
    for (EvictionAdmitter admitter : admitters) {
      builder.admitter(admitter);
    }
    sim = builder.start();
    client = sim.client();
    clients = new KubernetesClients(client, sim.newClient(c -> c.withRequestRetryBackoffLimit(0)));
  }

  @Override
  public void close() {
    sim.close(); // closes every client it handed out
  }
}
