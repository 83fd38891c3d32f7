package dev.runbook.activities;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.HashMap;
import java.util.List;

/**
 * fabric8's mock API server in CRUD mode, plus {@code server.expect()} stubs where CRUD mode lacks a behaviour (the
 * eviction subresource). Until the project's simulator serves evictions, eviction answers are stubbed per test.
 */
final class MockCluster implements AutoCloseable {
  /** Held so the JUL setting sticks: the mock server logs every request at INFO. */
  private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  final KubernetesMockServer server;
  final KubernetesClient client;
  final KubernetesClients clients;

  MockCluster() {
    var responses = new HashMap<io.fabric8.mockwebserver.ServerRequest, java.util.Queue<io.fabric8.mockwebserver.ServerResponse>>();
    server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, new KubernetesMixedDispatcher(responses), false);
    server.init();
    for (ResourceDefinitionContext kind : List.of(KubeVirt.VMI, KubeVirt.VM, KubeVirt.MIGRATION, KubeVirt.KUBEVIRT)) {
      server.expectCustomResource(
          new CustomResourceDefinitionContext.Builder()
              .withGroup(kind.getGroup())
              .withVersion(kind.getVersion())
              .withKind(kind.getKind())
              .withPlural(kind.getPlural())
              .withScope("Namespaced")
              .build());
    }
    client = server.createClient();
    KubernetesClient noRetry =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0).build())
            .build();
    clients = new KubernetesClients(client, noRetry);
  }

  @Override
  public void close() {
    clients.close();
    server.destroy();
  }
}
