package dev.runbook.simulator;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A simulated cluster controller. It acts only through the Kubernetes API (watch / get / patch / create / delete
 * with {@code client}), as a real controller does, so it could run against a real API server.
 */
public interface SimController extends AutoCloseable {
  String name();

  /** Start watching and reconciling; returns once the watches are established. */
  void start(KubernetesClient client, SimContext context);

  @Override
  void close();
}
