package dev.runbook.simulator.api;

import static dev.runbook.simulator.Scenarios.node;
import static dev.runbook.simulator.Scenarios.runningPod;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.runbook.simulator.SimulatedCluster;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("field selectors filter lists and watches as the apiserver does")
class FieldSelectorTest {
  private SimulatedCluster cluster;

  @BeforeEach
  void start() {
    cluster =
        SimulatedCluster.builder()
            .scenario(node("worker-1") + node("worker-2")
                + runningPod("shop", "a", "worker-1", "{app: a}")
                + runningPod("shop", "b", "worker-2", "{app: b}")
                + runningPod("ops", "c", "worker-1", "{app: c}")
                + """
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: done, namespace: shop}
                spec: {nodeName: worker-1, containers: [{name: x, image: x}]}
                status: {phase: Succeeded}
                """)
            .start();
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private static List<String> names(List<? extends HasMetadata> objects) {
    return objects.stream().map(o -> o.getMetadata().getName()).sorted().toList();
  }

  @Test
  @DisplayName("spec.nodeName selects the pods of one node across namespaces, and != excludes finished ones")
  void nodeNameAndPhase() {
    var pods = cluster.client().pods().inAnyNamespace();

    assertEquals(List.of("a", "c", "done"), names(pods.withField("spec.nodeName", "worker-1").list().getItems()));
    assertEquals(
        List.of("a", "c"),
        names(pods.withField("spec.nodeName", "worker-1").withoutField("status.phase", "Succeeded").list()
            .getItems()));
    assertEquals(List.of("done"), names(pods.withField("status.phase", "Succeeded").list().getItems()));
  }

  @Test
  @DisplayName("metadata.name and metadata.namespace select single objects")
  void nameAndNamespace() {
    var pods = cluster.client().pods().inAnyNamespace();

    assertEquals(List.of("b"), names(pods.withField("metadata.name", "b").list().getItems()));
    assertEquals(List.of("c"), names(pods.withField("metadata.namespace", "ops").list().getItems()));
  }

  @Test
  @DisplayName("involvedObject fields select the events of one object, as kubectl describe asks")
  void involvedObject() {
    var events = cluster.client().v1().events().inNamespace("default");
    for (String node : List.of("worker-1", "worker-2")) {
      events.resource(
              new EventBuilder()
                  .withNewMetadata().withGenerateName(node + ".").endMetadata()
                  .withNewInvolvedObject().withKind("Node").withName(node).endInvolvedObject()
                  .withReason("BeginMaintenance")
                  .build())
          .create();
    }

    List<Event> selected =
        events.withField("involvedObject.kind", "Node").withField("involvedObject.name", "worker-2").list().getItems();

    assertEquals(1, selected.size());
    assertEquals("worker-2", selected.get(0).getInvolvedObject().getName());
  }

  @Test
  @DisplayName("a watch with a field selector sees only selected pods, and a pod leaving the selection as DELETED")
  void watchHonoursTheSelector() {
    List<String> seen = new CopyOnWriteArrayList<>();
    Watch watch =
        cluster.client().pods().inAnyNamespace().withField("spec.nodeName", "worker-2")
            .watch(new Watcher<Pod>() {
              @Override
              public void eventReceived(Action action, Pod pod) {
                seen.add(action + " " + pod.getMetadata().getName());
              }

              @Override
              public void onClose(WatcherException cause) {}
            });
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("ADDED b"));
      cluster.client().pods().inNamespace("shop").withName("a")
          .edit(p -> { p.getMetadata().getLabels().put("touched", "yes"); return p; });
      cluster.client().pods().inNamespace("shop").withName("b")
          .edit(p -> { p.getMetadata().getLabels().put("touched", "yes"); return p; });
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("MODIFIED b"));
      cluster.client().pods().inNamespace("shop").withName("b").withGracePeriod(0).delete();
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("DELETED b"));
      assertEquals(List.of("ADDED b", "MODIFIED b", "DELETED b"), seen);
    } finally {
      watch.close();
    }
  }
}
