package dev.runbook.activities;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The two clients the activities use, built from one configuration.
 *
 * <p>{@link #client()} is the ordinary client (fabric8 retries 429 and 5xx by itself). {@link #evictionClient()} never
 * retries: a PodDisruptionBudget answers an eviction with 429, and the activity must see that at once to report the
 * blocker and watch the PDB, instead of fabric8 spending ~19 s on its own backoff.
 */
public final class KubernetesClients implements AutoCloseable {
  public static final String USER_AGENT = "runbook-worker";

  private final KubernetesClient client;
  private final KubernetesClient evictionClient;

  public KubernetesClients(KubernetesClient client, KubernetesClient evictionClient) {
    this.client = client;
    this.evictionClient = evictionClient;
  }

  /** fabric8's usual discovery: system properties, {@code KUBECONFIG}, {@code ~/.kube/config}, in-cluster account. */
  public static KubernetesClients fromEnvironment() {
    return fromConfig(Config.autoConfigure(null));
  }

  public static KubernetesClients fromKubeconfig(String kubeconfigYaml) {
    return fromConfig(Config.fromKubeconfig(kubeconfigYaml));
  }

  /**
   * Requests carry the User-Agent {@value #USER_AGENT}, so the API server's audit log (and the simulated cluster's
   * request record, which the RBAC test reads) can tell the worker's calls from everyone else's.
   */
  public static KubernetesClients fromConfig(Config config) {
    Config named = new ConfigBuilder(config).withUserAgent(USER_AGENT).build();
    Config noRetry = new ConfigBuilder(named).withRequestRetryBackoffLimit(0).build();
    return new KubernetesClients(
        new KubernetesClientBuilder().withConfig(named).build(),
        new KubernetesClientBuilder().withConfig(noRetry).build());
  }

  /**
   * Fails at once, with a message naming the API server, when it does not answer (a wrong kubeconfig, no route):
   * a worker should say so at start rather than in its first activity. Uses the client without retries, so an
   * unreachable server is reported in one connect timeout, not after fabric8's backoff.
   */
  public void checkReachable() {
    try {
      evictionClient.getKubernetesVersion();
    } catch (KubernetesClientException e) {
      throw new IllegalStateException(
          "cannot reach the Kubernetes API server at " + client.getConfiguration().getMasterUrl() + " (from "
              + "KUBECONFIG, ~/.kube/config or the in-cluster service account): " + e.getMessage(),
          e);
    }
  }

  public KubernetesClient client() {
    return client;
  }

  public KubernetesClient evictionClient() {
    return evictionClient;
  }

  @Override
  public void close() {
    evictionClient.close();
    client.close();
  }
}
