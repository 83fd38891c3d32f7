package dev.runbook.simulator.controllers;

import dev.runbook.simulator.Scorekeeper;
import dev.runbook.simulator.SimClock;
import dev.runbook.simulator.SimContext;
import dev.runbook.simulator.SimController;
import dev.runbook.simulator.SimSettings;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * fabric8's CRUD mock API server with some of the simulated controllers running against it, at 20x speed, so that
 * the controllers are tested against an API server they did not write. The plain CRUD mock deletes pods at once;
 * {@link #withGracefulDeletion()} adds the API server's graceful pod deletion.
 */
final class TestCluster implements AutoCloseable {
  static final String NS = "default";
  static final double SPEED = 20;
  /** Held so that the level sticks: the mock web server logs every request at INFO through java.util.logging. */
  private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    // Generous: the build machine may be shared by several builds; conditions are awaited, never slept for.
    org.awaitility.Awaitility.setDefaultTimeout(java.time.Duration.ofSeconds(60));
    org.awaitility.Awaitility.setDefaultPollInterval(java.time.Duration.ofMillis(50));
  }

  final KubernetesMockServer server;
  final KubernetesClient client;
  final SimClock clock;
  final SimContext context;
  private final List<SimController> controllers = new ArrayList<>();

  /** A plain CRUD mock: pods are removed the moment they are deleted. */
  TestCluster() {
    this(new KubernetesCrudDispatcher());
  }

  /** {@code graceful}: pods deleted with a grace period linger, terminating, until the kubelet removes them. */
  static TestCluster withGracefulDeletion() {
    return new TestCluster(new GracefulPodDeletion());
  }

  private TestCluster(KubernetesCrudDispatcher dispatcher) {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init();
    client = server.createClient();
    clock = new SimClock(SPEED);
    context = new SimContext(clock, new IgnoringScorekeeper(), SimSettings.defaults());
  }

  TestCluster run(SimController... started) {
    for (SimController controller : started) {
      controller.start(client, context);
      controllers.add(controller);
    }
    return this;
  }

  Node node(String name) {
    return client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name).endMetadata().build()).create();
  }

  Node node(Node node) {
    return client.nodes().resource(node).create();
  }

  static NodeBuilder nodeBuilder(String name) {
    return new NodeBuilder().withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name).endMetadata();
  }

  static NodeBuilder withMaxPods(NodeBuilder node, int pods) {
    return node.withNewStatus().addToCapacity("pods", new Quantity(String.valueOf(pods))).endStatus();
  }

  void cordon(String node, boolean unschedulable) {
    client.nodes().withName(node).patch(
        io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
        "{\"spec\":{\"unschedulable\":" + unschedulable + "}}");
  }

  Pod pod(Pod pod) {
    return client.pods().inNamespace(NS).resource(pod).create();
  }

  static PodBuilder podBuilder(String name) {
    return new PodBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).addToLabels("app", name).endMetadata()
        .withNewSpec().addNewContainer().withName("main").withImage("registry.example/app:1").endContainer().endSpec();
  }

  static PodTemplateSpec template(Map<String, String> labels) {
    return new PodTemplateSpecBuilder()
        .withNewMetadata().withLabels(labels).endMetadata()
        .withNewSpec().addNewContainer().withName("main").withImage("registry.example/app:1").endContainer().endSpec()
        .build();
  }

  /** Plays the kubelet for tests that run without one: the pod is Running and Ready. */
  void markRunningAndReady(String podName) {
    await().until(() -> get(podName) != null);
    client.pods().inNamespace(NS).withName(podName).editStatus(p -> {
      p.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder()
          .withPhase("Running")
          .addNewCondition().withType("Ready").withStatus("True").endCondition()
          .build());
      return p;
    });
  }

  Pod get(String podName) {
    return client.pods().inNamespace(NS).withName(podName).get();
  }

  List<Pod> pods() {
    return client.pods().inNamespace(NS).list().getItems();
  }

  @Override
  public void close() {
    // The server goes first: the CRUD mock blocks its event loop for seconds when a client closes a watch.
    server.destroy();
    controllers.forEach(SimController::close);
    clock.close();
    client.close();
  }

  private static final class IgnoringScorekeeper implements Scorekeeper {
    @Override
    public void eviction(String namespace, String pod, String uid, int httpCode, String pdb, String message) {}

    @Override
    public void pdbDecision(String pdbNamespace, String pdbName, String pod, boolean allowed, int disruptionsAllowedBefore) {}

    @Override
    public void migration(String namespace, String vmi, String migration, String phase, String sourceNode, String targetNode) {}

    @Override
    public void vmFate(String namespace, String vm, String fate) {}

    @Override
    public void violation(String invariant, String detail) {}
  }
}
