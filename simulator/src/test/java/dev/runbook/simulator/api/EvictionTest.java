package dev.runbook.simulator.api;

import static dev.runbook.simulator.Scenarios.node;
import static dev.runbook.simulator.Scenarios.pdb;
import static dev.runbook.simulator.Scenarios.runningPod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.EvictionAdmitter;
import dev.runbook.simulator.RawApi;
import dev.runbook.simulator.SimAnnotations;
import dev.runbook.simulator.SimulatedCluster;
import dev.runbook.simulator.score.ScoreReport;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

@DisplayName("pods/eviction follows the apiserver's PodDisruptionBudget rules")
class EvictionTest {
  private SimulatedCluster cluster;
  private RawApi api;

  private void start(String scenario, EvictionAdmitter... admitters) {
    SimulatedCluster.Builder builder = SimulatedCluster.builder().scenario(node("worker-1") + scenario);
    for (EvictionAdmitter admitter : admitters) {
      builder.admitter(admitter);
    }
    cluster = builder.start();
    api = new RawApi(cluster.masterUrl());
  }

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private PodDisruptionBudget pdbNamed(String name) {
    return cluster.client().policy().v1().podDisruptionBudget().inNamespace("shop").withName(name).get();
  }

  @Test
  @DisplayName("an allowed eviction answers 201, takes one disruption, records the pod and starts its termination")
  void allowedEvictionDecrementsTheBudget() {
    start(runningPod("shop", "db-0", "worker-1", "{app: db}") + pdb("shop", "db", "{app: db}", 1));

    RawApi.Answer answer = api.evict("shop", "db-0", null);

    assertEquals(201, answer.code(), answer.body().toString());
    assertEquals("Success", answer.body().path("status").asString());
    PodDisruptionBudget pdb = pdbNamed("db");
    assertEquals(0, pdb.getStatus().getDisruptionsAllowed());
    assertTrue(pdb.getStatus().getDisruptedPods().containsKey("db-0"));
    Pod pod = cluster.client().pods().inNamespace("shop").withName("db-0").get();
    assertTrue(pod.getMetadata().getDeletionTimestamp() != null, "the pod is terminating, not gone");
    assertEquals(30L, pod.getMetadata().getDeletionGracePeriodSeconds());
    ScoreReport report = cluster.report();
    assertEquals(201, report.evictions().get(0).code());
    assertTrue(report.pdbDecisions().get(0).allowed());
    assertEquals(1, report.pdbDecisions().get(0).disruptionsAllowedBefore());
  }

  @Test
  @DisplayName("with no disruption left the answer is 429 with the apiserver's message and a DisruptionBudget cause")
  void exhaustedBudgetAnswersTooManyRequests() {
    start(runningPod("shop", "db-0", "worker-1", "{app: db}") + pdb("shop", "db", "{app: db}", 0));

    RawApi.Answer answer = api.evict("shop", "db-0", null);

    assertEquals(429, answer.code());
    assertEquals("TooManyRequests", answer.body().path("reason").asString());
    assertEquals(
        "Cannot evict pod as it would violate the pod's disruption budget.", answer.body().path("message").asString());
    JsonNode cause = answer.body().path("details").path("causes").get(0);
    assertEquals("DisruptionBudget", cause.path("reason").asString());
    assertEquals("The disruption budget db needs 2 healthy pods and has 3 currently", cause.path("message").asString());
    assertEquals(null, cluster.client().pods().inNamespace("shop").withName("db-0").get().getMetadata()
        .getDeletionTimestamp());
    assertFalse(cluster.report().pdbDecisions().get(0).allowed());
  }

  @Test
  @DisplayName("a pod selected by two PDBs cannot be evicted: 500 with the apiserver's message")
  void twoBudgetsAnswerInternalError() {
    start(runningPod("shop", "db-0", "worker-1", "{app: db, tier: data}") + pdb("shop", "db", "{app: db}", 1)
        + pdb("shop", "data", "{tier: data}", 1));

    RawApi.Answer answer = api.evict("shop", "db-0", null);

    assertEquals(500, answer.code());
    assertEquals(
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        answer.body().path("message").asString());
    assertEquals(1, pdbNamed("db").getStatus().getDisruptionsAllowed());
  }

  @Test
  @DisplayName("evicting a pod that does not exist answers 404")
  void missingPodAnswersNotFound() {
    start("");

    RawApi.Answer answer = api.evict("default", "ghost", null);

    assertEquals(404, answer.code());
    assertEquals("pods \"ghost\" not found", answer.body().path("message").asString());
    assertEquals(404, cluster.report().evictions().get(0).code());
  }

  @Test
  @DisplayName("a UID precondition naming a replaced pod answers 409 and leaves the new pod and the budget alone")
  void uidPreconditionOfAReplacedPodAnswersConflict() {
    start(runningPod("shop", "db-0", "worker-1", "{app: db}") + pdb("shop", "db", "{app: db}", 1));

    RawApi.Answer answer = api.evict("shop", "db-0", "{\"preconditions\":{\"uid\":\"uid-of-the-old-db-0\"}}");

    assertEquals(409, answer.code());
    assertTrue(answer.body().path("message").asString().contains("Precondition failed: UID in precondition: "
        + "uid-of-the-old-db-0"), answer.body().toString());
    assertEquals(1, pdbNamed("db").getStatus().getDisruptionsAllowed());
    assertTrue(cluster.report().violations().isEmpty());
  }

  @Test
  @DisplayName("a UID precondition naming the current pod is honoured, and gracePeriodSeconds 0 removes it at once")
  void matchingPreconditionAndZeroGraceRemoveThePod() {
    start(runningPod("shop", "db-0", "worker-1", "{app: db}") + pdb("shop", "db", "{app: db}", 1));
    String uid = cluster.client().pods().inNamespace("shop").withName("db-0").get().getMetadata().getUid();

    RawApi.Answer answer =
        api.evict("shop", "db-0", "{\"gracePeriodSeconds\":0,\"preconditions\":{\"uid\":\"" + uid + "\"}}");

    assertEquals(201, answer.code(), answer.body().toString());
    assertEquals(null, cluster.client().pods().inNamespace("shop").withName("db-0").get());
  }

  @Test
  @DisplayName("twenty concurrent evictions under a budget of one: exactly one succeeds, the rest get 429")
  void concurrentEvictionsNeverOverrunTheBudget() throws Exception {
    StringBuilder scenario = new StringBuilder(pdb("shop", "web", "{app: web}", 1));
    for (int i = 0; i < 20; i++) {
      scenario.append(runningPod("shop", "web-" + i, "worker-1", "{app: web}"));
    }
    start(scenario.toString());
    ExecutorService pool = Executors.newFixedThreadPool(20);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Integer>> codes = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        String pod = "web-" + i;
        codes.add(pool.submit(() -> {
          go.await();
          return api.evict("shop", pod, null).code();
        }));
      }
      go.countDown();
      List<Integer> answers = new ArrayList<>();
      for (Future<Integer> code : codes) {
        answers.add(code.get(30, TimeUnit.SECONDS));
      }
      assertEquals(1, answers.stream().filter(c -> c == 201).count(), answers.toString());
      assertEquals(19, answers.stream().filter(c -> c == 429).count(), answers.toString());
    } finally {
      pool.shutdownNow();
    }
    assertEquals(0, pdbNamed("web").getStatus().getDisruptionsAllowed());
    assertTrue(cluster.report().violations().isEmpty(), cluster.report().violations().toString());
  }

  @Test
  @DisplayName("finished and already terminating pods are evicted without consuming the budget")
  void terminalPodsIgnoreTheBudget() {
    start("""
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: report, namespace: shop, labels: {app: db}}
        spec: {nodeName: worker-1, containers: [{name: r, image: r}]}
        status: {phase: Succeeded}
        """ + pdb("shop", "db", "{app: db}", 0));

    RawApi.Answer answer = api.evict("shop", "report", null);

    assertEquals(201, answer.code(), answer.body().toString());
    assertEquals(null, cluster.client().pods().inNamespace("shop").withName("report").get(), "finished pods go at once");
    assertEquals(0, pdbNamed("db").getStatus().getDisruptionsAllowed());
  }

  @Test
  @DisplayName("an unready pod is evicted for free while the budget's healthy pods suffice")
  void unreadyPodIsEvictedForFree() {
    start("""
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: db-9, namespace: shop, labels: {app: db}}
        spec: {nodeName: worker-1, containers: [{name: r, image: r}]}
        status: {phase: Running, conditions: [{type: Ready, status: "False"}]}
        """ + pdb("shop", "db", "{app: db}", 1));

    assertEquals(201, api.evict("shop", "db-9", null).code());
    assertEquals(1, pdbNamed("db").getStatus().getDisruptionsAllowed());
  }

  @Test
  @DisplayName("the eviction-faults annotation makes the first N evictions of a pod answer 500")
  void injectedFaultsAnswerInternalError() {
    start("""
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: flaky
          namespace: shop
          annotations: {%s: "2"}
        spec: {nodeName: worker-1, containers: [{name: r, image: r}]}
        status: {phase: Running, conditions: [{type: Ready, status: "True"}]}
        """.formatted(SimAnnotations.EVICTION_FAULTS));

    assertEquals(500, api.evict("shop", "flaky", null).code());
    assertEquals(500, api.evict("shop", "flaky", null).code());
    assertEquals(201, api.evict("shop", "flaky", null).code());
    assertEquals(3, cluster.report().evictions().size());
  }

  @Test
  @DisplayName("an admission hook is asked first and its denial is the answer, even when the budget would allow it")
  void admitterDenialWins() {
    EvictionAdmitter kubevirt =
        (pod, client, context) ->
            pod.getMetadata().getName().startsWith("virt-launcher")
                ? Optional.of(new EvictionAdmitter.Denial(429, "Eviction triggered evacuation of VMI"))
                : Optional.empty();
    start(runningPod("vms", "virt-launcher-vm1", "worker-1", "{app: vm}") + pdb("vms", "vm", "{app: vm}", 1), kubevirt);

    RawApi.Answer answer = api.evict("vms", "virt-launcher-vm1", null);

    assertEquals(429, answer.code());
    assertEquals("Eviction triggered evacuation of VMI", answer.body().path("message").asString());
    assertEquals(1, cluster.client().policy().v1().podDisruptionBudget().inNamespace("vms").withName("vm").get()
        .getStatus().getDisruptionsAllowed());
  }

  @Test
  @DisplayName("an admission hook may call back into the apiserver through its client")
  void admitterCanUseTheApi() {
    EvictionAdmitter annotating =
        (pod, client, context) -> {
          client.pods().inNamespace("shop").withName(pod.getMetadata().getName())
              .edit(p -> { p.getMetadata().getAnnotations().put("seen-by", "admitter"); return p; });
          return Optional.empty();
        };
    start("""
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web-1, namespace: shop, annotations: {a: b}}
        spec: {nodeName: worker-1, containers: [{name: r, image: r}]}
        status: {phase: Running, conditions: [{type: Ready, status: "True"}]}
        """, annotating);

    assertEquals(201, api.evict("shop", "web-1", null).code());
    assertEquals("admitter", cluster.client().pods().inNamespace("shop").withName("web-1").get().getMetadata()
        .getAnnotations().get("seen-by"));
  }

  @Test
  @DisplayName("fabric8's evict() works against it: true when allowed, false on a 429")
  void fabric8EvictWorks() {
    start(runningPod("shop", "db-0", "worker-1", "{app: db}") + runningPod("shop", "db-1", "worker-1", "{app: db}")
        + pdb("shop", "db", "{app: db}", 1));
    var client = cluster.newClient(c -> c.withRequestRetryBackoffLimit(0));

    assertTrue(client.pods().inNamespace("shop").withName("db-0").evict());
    assertFalse(client.pods().inNamespace("shop").withName("db-1").evict());
  }

  @Test
  @DisplayName("GET /sim/report serves the score as JSON")
  void reportIsServed() {
    start(runningPod("shop", "db-0", "worker-1", "{app: db}") + pdb("shop", "db", "{app: db}", 0));
    api.evict("shop", "db-0", null);

    RawApi.Answer report = api.get("/sim/report");

    assertEquals(200, report.code());
    assertEquals(429, report.body().path("evictions").get(0).path("code").asInt());
    assertEquals("shop/db", report.body().path("evictions").get(0).path("pdb").asString());
    assertEquals("db", report.body().path("pdbDecisions").get(0).path("pdb").asString());
    assertTrue(report.body().path("violations").isEmpty());
  }

  @Test
  @DisplayName("a policy/v1beta1 Eviction body is accepted like a policy/v1 one")
  void v1beta1Body() {
    start(runningPod("shop", "db-0", "worker-1", "{app: db}") + pdb("shop", "db", "{app: db}", 1));

    RawApi.Answer answer =
        api.post("/api/v1/namespaces/shop/pods/db-0/eviction",
            "{\"apiVersion\":\"policy/v1beta1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"db-0\"}}");

    assertEquals(201, answer.code(), answer.body().toString());
    assertEquals(0, pdbNamed("db").getStatus().getDisruptionsAllowed());
  }

  @Test
  @DisplayName("a budget whose status overstates the healthy pods is caught as a PDB overrun when it is used")
  void overrunIsRecorded() {
    // The status claims one disruption is allowed, but db-1 is already down: granting it takes two of three.
    start(runningPod("shop", "db-0", "worker-1", "{app: db}") + runningPod("shop", "db-2", "worker-1", "{app: db}")
        + """
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: db-1, namespace: shop, labels: {app: db}}
        spec: {nodeName: worker-1, containers: [{name: r, image: r}]}
        status: {phase: Running, conditions: [{type: Ready, status: "False"}]}
        """ + pdb("shop", "db", "{app: db}", 1));

    assertEquals(201, api.evict("shop", "db-0", null).code());

    List<ScoreReport.Violation> violations = cluster.report().violations();
    assertEquals(1, violations.size(), violations.toString());
    assertEquals("PDB overrun", violations.get(0).invariant());
    assertTrue(violations.get(0).detail().contains("2 of 3 pods unavailable"), violations.get(0).detail());
  }

  @Test
  @DisplayName("a terminating pod whose replacement is Ready does not count against the budget: the next eviction is no overrun")
  void terminatingPodWithReadyReplacementIsNoOverrun() {
    start(runningPod("shop", "db-0", "worker-1", "{app: db}") + runningPod("shop", "db-1", "worker-1", "{app: db}")
        + runningPod("shop", "db-2", "worker-1", "{app: db}") + pdb("shop", "db", "{app: db}", 1));
    assertEquals(201, api.evict("shop", "db-0", null).code());
    // What the ReplicaSet and the disruption controller would do next: db-0's replacement runs, the budget is back.
    cluster.client().resource(runningPod("shop", "db-3", "worker-2", "{app: db}")).create();
    cluster.client().pods().inNamespace("shop").withName("db-3").editStatus(p -> new PodBuilder(p)
        .editOrNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build());
    cluster.client().policy().v1().podDisruptionBudget().inNamespace("shop").withName("db").editStatus(b -> new PodDisruptionBudgetBuilder(b)
        .editStatus().withDisruptionsAllowed(1).withCurrentHealthy(3).endStatus().build());

    assertEquals(201, api.evict("shop", "db-1", null).code());

    // db-0 and db-1 terminate; db-2 and db-3 serve: 1 of the 3 expected pods is unavailable, as maxUnavailable allows.
    assertTrue(cluster.report().violations().isEmpty(), cluster.report().violations().toString());
  }
}
