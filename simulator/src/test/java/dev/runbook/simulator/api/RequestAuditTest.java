package dev.runbook.simulator.api;

import static dev.runbook.simulator.Scenarios.node;
import static dev.runbook.simulator.Scenarios.runningPod;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.RawApi;
import dev.runbook.simulator.SimulatedCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

@DisplayName("the simulator records every request it serves as RBAC names it, per user agent")
class RequestAuditTest {
  private static final String AGENT = "runbook-worker/0.1.0-test";

  private SimulatedCluster cluster;
  private KubernetesClient worker;

  @BeforeEach
  void start() {
    cluster = SimulatedCluster.builder()
        .scenario(node("worker-1") + runningPod("shop", "web-1", "worker-1", "{app: web}")).start();
    worker = cluster.newClient(c -> c.withUserAgent(AGENT).withRequestRetryBackoffLimit(0));
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private static String row(RequestAudit.Entry e) {
    return String.join(" ", e.verb(), e.apiGroup().isEmpty() ? "core" : e.apiGroup(),
        e.resource() + (e.subresource().isEmpty() ? "" : "/" + e.subresource()),
        e.namespace().isEmpty() ? "-" : e.namespace(), e.name().isEmpty() ? "-" : e.name());
  }

  @Test
  @DisplayName("each verb, group, resource, subresource, namespace and name a client used, with a count")
  void recordsWhatAClientDid() {
    worker.nodes().withName("worker-1").get();
    worker.nodes().withName("worker-1").get();
    worker.pods().inAnyNamespace().withField("spec.nodeName", "worker-1").list();
    worker.nodes().withName("worker-1").edit(n -> {
      n.getMetadata().getLabels().put("maintenance", "yes");
      return n;
    });
    Node node = worker.nodes().withName("worker-1").get();
    worker.nodes().resource(node).updateStatus();
    worker.configMaps().inNamespace("shop").resource(new ConfigMapBuilder().withNewMetadata().withName("plan")
        .endMetadata().addToData("a", "b").build()).create();
    ConfigMap plan = worker.configMaps().inNamespace("shop").withName("plan").get();
    plan.getData().put("a", "c");
    worker.configMaps().inNamespace("shop").resource(plan).update();
    worker.configMaps().inNamespace("shop").withName("plan").delete();
    worker.configMaps().inNamespace("shop").withLabel("stale").delete();
    worker.pods().inNamespace("shop").withName("web-1").evict();

    Set<String> rows = cluster.requests(AGENT).stream().map(RequestAuditTest::row)
        .collect(Collectors.toCollection(TreeSet::new));

    assertEquals(new TreeSet<>(List.of(
        "get core nodes - worker-1",
        "patch core nodes - worker-1",
        "update core nodes/status - worker-1",
        "list core pods - -",
        "create core configmaps shop -",
        "get core configmaps shop plan",
        "update core configmaps shop plan",
        "delete core configmaps shop plan",
        "deletecollection core configmaps shop -",
        "create core pods/eviction shop web-1")), rows);
    RequestAudit.Entry gets = cluster.requests(AGENT).stream()
        .filter(e -> e.verb().equals("get") && e.resource().equals("nodes")).findFirst().orElseThrow();
    // Two gets here, one inside edit() and one before updateStatus().
    assertEquals(4, gets.count());
    assertTrue(cluster.requests().stream().noneMatch(e -> e.userAgent().equals(AGENT) && !e.nonResourceUrl().isEmpty()),
        "fabric8 asked for no discovery here");
  }

  @Test
  @DisplayName("an informer's list and watch are recorded; a metadata.name field selector names the object")
  void informerListAndWatch() {
    SharedIndexInformer<Pod> informer = worker.pods().inNamespace("shop").withName("web-1")
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(Pod pod) {}

          @Override
          public void onUpdate(Pod old, Pod pod) {}

          @Override
          public void onDelete(Pod pod, boolean unknown) {}
        });
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> cluster.requests(AGENT).stream()
          .anyMatch(e -> e.verb().equals("watch")));

      Set<String> rows = cluster.requests(AGENT).stream().map(RequestAuditTest::row)
          .collect(Collectors.toCollection(TreeSet::new));
      assertEquals(new TreeSet<>(List.of("list core pods shop web-1", "watch core pods shop web-1")), rows);
    } finally {
      informer.close();
    }
  }

  @Test
  @DisplayName("GET /sim/requests serves the same as JSON, filtered by a user-agent prefix, and is not itself recorded")
  void servedAsJson() {
    worker.nodes().withName("worker-1").get();
    cluster.client().nodes().list();
    RawApi raw = new RawApi(cluster.masterUrl());
    raw.get("/version");

    JsonNode all = raw.get("/sim/requests").body();
    JsonNode mine = raw.get("/sim/requests?userAgent=runbook-worker").body();

    assertEquals(1, mine.path("items").size(), mine.toString());
    JsonNode item = mine.path("items").path(0);
    assertEquals(AGENT, item.path("userAgent").asString());
    assertEquals("get", item.path("verb").asString());
    assertEquals("", item.path("apiGroup").asString());
    assertEquals("nodes", item.path("resource").asString());
    assertEquals("worker-1", item.path("name").asString());
    assertEquals(1, item.path("count").asLong());
    List<String> urls = all.path("items").valueStream().map(i -> i.path("nonResourceURL").asString(""))
        .filter(u -> !u.isEmpty()).toList();
    assertEquals(List.of("/version"), urls);
    assertTrue(all.path("items").valueStream().anyMatch(i -> i.path("verb").asString().equals("list")
        && i.path("userAgent").asString().startsWith("fabric8")), all.toString());
  }

  @Test
  @DisplayName("past its bound, the audit keeps new requests without their name, so no verb or resource goes unseen")
  void boundedMemory() {
    RequestAudit audit = new RequestAudit(3);
    for (int i = 0; i < 100; i++) {
      audit.resource(AGENT, "get", "", "pods", "", "shop", "web-" + i);
    }
    audit.resource(AGENT, "delete", "", "pods", "", "shop", "web-99");

    List<String> rows = audit.snapshot().stream().map(e -> row(e) + " x" + e.count()).toList();

    assertEquals(List.of("delete core pods shop - x1", "get core pods shop - x97", "get core pods shop web-0 x1",
        "get core pods shop web-1 x1", "get core pods shop web-2 x1"), rows);
  }
}
