package dev.runbook.simulator;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A simulated cluster controller. It acts only through the Kubernetes API (watch / get / patch / create / delete
 * with {@code client}), as a real controller does, so it could run against a real API server.
 */
public interface SimController extends AutoCloseable {
  String name();

  /**
   * The process this controller runs in (e.g. {@code kube-controller-manager}): the controllers of one process share
   * their informers, as the real ones share a SharedInformerFactory. By default a controller is a process of its own.
   */
  default String process() {
    return name();
  }

  /** Start watching and reconciling; returns once the watches are established. */
  void start(KubernetesClient client, SimContext context);

  /**
   * Start with the informers of the controller's {@link #process()}: a controller that can share informers lists
   * and watches through {@code informers} (and writes with {@code client}); one that cannot ignores them.
   */
  default void start(KubernetesClient client, SimContext context, SharedInformers informers) {
    start(client, context);
  }

  @Override
  void close();
}
