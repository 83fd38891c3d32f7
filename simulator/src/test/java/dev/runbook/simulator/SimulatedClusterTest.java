package dev.runbook.simulator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("a simulated cluster plugs in controllers and serves clients through a kubeconfig")
class SimulatedClusterTest {

  /** A controller found through META-INF/services; it checks that its client reaches the cluster. */
  public static final class RecordingController implements SimController {
    static final List<String> EVENTS = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
      return "recording";
    }

    @Override
    public void start(KubernetesClient client, SimContext context) {
      EVENTS.add("started, nodes=" + client.nodes().list().getItems().size() + ", speed=" + context.clock().speed());
    }

    @Override
    public void close() {
      EVENTS.add("closed");
    }
  }

  @Test
  @DisplayName("withDefaultControllers() starts the controllers declared as services, and close() stops them")
  void serviceLoadedControllers(@TempDir Path dir) throws Exception {
    Path services = Files.createDirectories(dir.resolve("META-INF/services"));
    Files.writeString(services.resolve(SimController.class.getName()), RecordingController.class.getName() + "\n");
    ClassLoader original = Thread.currentThread().getContextClassLoader();
    RecordingController.EVENTS.clear();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, original)) {
      Thread.currentThread().setContextClassLoader(loader);
      try (SimulatedCluster cluster =
          SimulatedCluster.builder().scenario(Scenarios.node("worker-1")).speed(10).withDefaultControllers().start()) {
        assertEquals(List.of("started, nodes=1, speed=10.0"), RecordingController.EVENTS);
        assertEquals(10.0, cluster.context().clock().speed());
      }
    } finally {
      Thread.currentThread().setContextClassLoader(original);
    }
    assertEquals("closed", RecordingController.EVENTS.get(1));
  }

  @Test
  @DisplayName("a fabric8 client built from the written kubeconfig, with default settings, lists and watches")
  void kubeconfigClientWatches(@TempDir Path dir) {
    try (SimulatedCluster cluster =
        SimulatedCluster.builder().scenario(Scenarios.runningPod("default", "web-1", "worker-1", "{app: web}"))
            .start()) {
      Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
      Config config = Config.fromKubeconfig(null, kubeconfig.toFile());
      try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
        assertEquals("default", client.getNamespace());
        List<String> seen = new CopyOnWriteArrayList<>();
        // Websocket first, as fabric8 does by default; the refused handshake makes it fall back to an HTTP watch.
        Watch watch = client.pods().watch(new Watcher<Pod>() {
          @Override
          public void eventReceived(Action action, Pod pod) {
            seen.add(action + " " + pod.getMetadata().getName());
          }

          @Override
          public void onClose(WatcherException cause) {}
        });
        try {
          await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains("ADDED web-1"));
          client.pods().withName("web-1").edit(p -> { p.getMetadata().getLabels().put("x", "y"); return p; });
          await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains("MODIFIED web-1"));
        } finally {
          watch.close();
        }
        assertNotNull(client.pods().withName("web-1").get());
      }
      assertTrue(cluster.report().clean());
    }
  }
}
