package dev.runbook.simulator.api;

import static dev.runbook.simulator.Scenarios.node;
import static dev.runbook.simulator.Scenarios.runningPod;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.runbook.simulator.SimulatedCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("fabric8 informers, which the controllers are built on, list and watch the simulated apiserver")
class InformerTest {

  @Test
  @DisplayName("an informer sees adds, updates and deletes in order, also with a field selector")
  void informerFollowsChanges() {
    try (SimulatedCluster cluster =
        SimulatedCluster.builder().scenario(node("worker-1") + runningPod("shop", "db-0", "worker-1", "{app: db}"))
            .start()) {
      List<String> seen = new CopyOnWriteArrayList<>();
      var client = cluster.newClient(c -> c);
      SharedIndexInformer<Pod> informer =
          client.pods().inAnyNamespace().withField("spec.nodeName", "worker-1")
              .inform(new ResourceEventHandler<>() {
                @Override
                public void onAdd(Pod pod) {
                  seen.add("add " + pod.getMetadata().getName());
                }

                @Override
                public void onUpdate(Pod old, Pod pod) {
                  if (!old.getMetadata().getResourceVersion().equals(pod.getMetadata().getResourceVersion())) {
                    seen.add("update " + pod.getMetadata().getName()
                        + (pod.getMetadata().getDeletionTimestamp() != null ? " terminating" : ""));
                  }
                }

                @Override
                public void onDelete(Pod pod, boolean unknownFinalState) {
                  seen.add("delete " + pod.getMetadata().getName());
                }
              });
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains("add db-0"));
        client.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withName("web-1").endMetadata()
            .withNewSpec().withNodeName("worker-1").addNewContainer().withName("w").withImage("w").endContainer()
            .endSpec().build()).create();
        client.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withName("elsewhere")
            .endMetadata().withNewSpec().withNodeName("worker-2").addNewContainer().withName("w").withImage("w")
            .endContainer().endSpec().build()).create();
        client.pods().inNamespace("shop").withName("db-0").delete();
        client.pods().inNamespace("shop").withName("db-0").withGracePeriod(0).delete();

        await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains("delete db-0"));
        assertEquals(List.of("add db-0", "add web-1", "update db-0 terminating", "delete db-0"), seen);
        assertEquals(List.of("web-1"),
            informer.getStore().list().stream().map(p -> p.getMetadata().getName()).toList());
      } finally {
        informer.close();
      }
    }
  }
}
