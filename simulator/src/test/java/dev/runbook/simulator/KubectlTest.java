package dev.runbook.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The real kubectl against the demo cluster: the commands an operator runs around a node maintenance. */
@DisplayName("the real kubectl works against the simulated cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubectlTest {
  private static final Path KUBECTL = Path.of("/usr/bin/kubectl");

  @TempDir static Path dir;
  private SimulatedCluster cluster;
  private Path kubeconfig;

  record Run(int exit, String output) {}

  @BeforeAll
  void start() {
    assumeTrue(Files.isExecutable(KUBECTL), "kubectl is not installed at " + KUBECTL);
    cluster = SimulatedCluster.builder().demoScenario().start();
    kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private Run kubectl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(KUBECTL.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().remove("KUBERNETES_SERVICE_HOST");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(90, TimeUnit.SECONDS), "kubectl " + String.join(" ", args) + " did not finish");
    return new Run(process.exitValue(), output);
  }

  private Run ok(String... args) throws IOException, InterruptedException {
    Run run = kubectl(args);
    assertEquals(0, run.exit(), "kubectl " + String.join(" ", args) + ":\n" + run.output());
    return run;
  }

  @Test
  @Order(1)
  @DisplayName("get nodes,pods -A prints the server's tables")
  void getNodesAndPods() throws Exception {
    String output = ok("get", "nodes,pods", "-A").output();

    assertTrue(output.matches("(?s).*node/worker-1\\s+Ready\\s+worker.*"), output);
    assertTrue(output.matches("(?s).*shop\\s+pod/db-0\\s+1/1\\s+Running.*"), output);
    assertTrue(output.matches("(?s).*pod/nightly-report-r8w2x\\s+0/1\\s+Completed.*"), output);
    assertTrue(output.contains("vms           pod/virt-launcher-rhel-db-live"), output);
  }

  @Test
  @Order(2)
  @DisplayName("cordon shows SchedulingDisabled, uncordon clears it")
  void cordonAndUncordon() throws Exception {
    assertTrue(ok("cordon", "worker-1").output().contains("node/worker-1 cordoned"));
    assertTrue(ok("get", "node", "worker-1").output().contains("Ready,SchedulingDisabled"));
    assertTrue(cluster.client().nodes().withName("worker-1").get().getSpec().getUnschedulable());

    assertTrue(ok("uncordon", "worker-1").output().contains("node/worker-1 uncordoned"));
    String after = ok("get", "node", "worker-1").output();
    assertFalse(after.contains("SchedulingDisabled"), after);
  }

  @Test
  @Order(3)
  @DisplayName("describe node lists the node's pods and the events recorded on it")
  void describeNode() throws Exception {
    var node = cluster.client().nodes().withName("worker-1").get();
    cluster.client().v1().events().inNamespace("default").resource(new EventBuilder()
        .withNewMetadata().withName("worker-1.maintenance").endMetadata()
        .withNewInvolvedObject().withKind("Node").withName("worker-1").withUid(node.getMetadata().getUid())
        .withApiVersion("v1").endInvolvedObject()
        .withReason("BeginMaintenance").withMessage("Begin a node maintenance").withType("Normal")
        .withNewSource().withComponent("runbook").endSource().withCount(1)
        .withFirstTimestamp(node.getMetadata().getCreationTimestamp())
        .withLastTimestamp(node.getMetadata().getCreationTimestamp()).build()).create();

    String output = ok("describe", "node", "worker-1").output();

    assertTrue(output.contains("BeginMaintenance"), output);

    assertTrue(output.contains("Name:               worker-1"), output);
    assertTrue(output.contains("Non-terminated Pods:"), output);
    assertTrue(output.contains("db-0"), output);
    assertFalse(output.contains("nightly-report"), "finished pods are not listed:\n" + output);
  }

  @Test
  @Order(4)
  @DisplayName("annotate, label and taint change the node")
  void annotateLabelTaint() throws Exception {
    ok("annotate", "node", "worker-3", "runbook.dev/owner=maintenance-worker-3");
    ok("label", "node", "worker-3", "rack=r7");
    ok("taint", "node", "worker-3", "medik8s.io/drain=:NoSchedule");
    var node = cluster.client().nodes().withName("worker-3").get();
    assertEquals("maintenance-worker-3", node.getMetadata().getAnnotations().get("runbook.dev/owner"));
    assertEquals("r7", node.getMetadata().getLabels().get("rack"));
    assertEquals("medik8s.io/drain", node.getSpec().getTaints().get(0).getKey());

    ok("taint", "node", "worker-3", "medik8s.io/drain:NoSchedule-");
    assertTrue(cluster.client().nodes().withName("worker-3").get().getSpec().getTaints().isEmpty());
  }

  @Test
  @Order(5)
  @DisplayName("apply creates and then updates objects from a manifest; delete removes them")
  void applyAndDelete() throws Exception {
    Path manifest = dir.resolve("app.yaml");
    String yaml = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings, namespace: shop}
        data: {mode: "%s"}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, namespace: shop}
        spec:
          replicas: %d
          selector: {matchLabels: {app: api}}
          template:
            metadata: {labels: {app: api}}
            spec: {containers: [{name: api, image: nginx}]}
        """;
    Files.writeString(manifest, yaml.formatted("blue", 2));
    assertTrue(ok("apply", "-f", manifest.toString()).output().contains("deployment.apps/api created"));

    Files.writeString(manifest, yaml.formatted("green", 4));
    assertTrue(ok("apply", "-f", manifest.toString()).output().contains("configmap/settings configured"));
    assertEquals("green", cluster.client().configMaps().inNamespace("shop").withName("settings").get().getData()
        .get("mode"));
    assertEquals(4, cluster.client().apps().deployments().inNamespace("shop").withName("api").get().getSpec()
        .getReplicas());

    ok("delete", "-f", manifest.toString());
    assertEquals(null, cluster.client().configMaps().inNamespace("shop").withName("settings").get());
  }

  @Test
  @Order(6)
  @DisplayName("drain evicts through the API, retries the PDB-blocked pod after 5s, and finishes once it may")
  void drain() throws Exception {
    // Use up the db budget elsewhere first, so db-0 on worker-1 is refused with a 429.
    assertTrue(cluster.newClient(c -> c.withRequestRetryBackoffLimit(0)).pods().inNamespace("shop").withName("db-1")
        .evict());
    ScheduledExecutorService kubelet = Executors.newSingleThreadScheduledExecutor();
    // Stands in for the kubelet, StatefulSet and disruption controllers, which are not part of this module's tests.
    kubelet.scheduleWithFixedDelay(this::finishTerminatingPodsAndRestoreBudget, 200, 200, TimeUnit.MILLISECONDS);
    Run run;
    try {
      run = kubectl("drain", "worker-1", "--ignore-daemonsets", "--delete-emptydir-data", "--force",
          "--timeout=40s");
    } finally {
      kubelet.shutdownNow();
    }
    String output = run.output();

    assertEquals(0, run.exit(), output);
    assertTrue(output.contains("node/worker-1 cordoned"), output);
    assertTrue(output.contains("evicting pod shop/db-0"), output);
    assertTrue(output.contains("error when evicting pods/\"db-0\" -n \"shop\" (will retry after 5s): Cannot evict pod "
        + "as it would violate the pod's disruption budget."), output);
    assertTrue(output.contains("node/worker-1 drained"), output);
    List<Pod> left = cluster.client().pods().inAnyNamespace().withField("spec.nodeName", "worker-1").list().getItems();
    assertEquals(List.of("node-agent-k2f9w"), left.stream().map(p -> p.getMetadata().getName()).toList());
    assertTrue(cluster.report().evictions().stream().anyMatch(e -> e.code() == 429 && e.pod().equals("db-0")));
    assertTrue(cluster.report().violations().isEmpty(), cluster.report().violations().toString());
  }

  private void finishTerminatingPodsAndRestoreBudget() {
    var client = cluster.client();
    for (Pod pod : client.pods().inAnyNamespace().list().getItems()) {
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
            .withGracePeriod(0).delete();
      }
    }
    boolean refused = cluster.report().evictions().stream().anyMatch(e -> e.code() == 429);
    var pods = client.pods().inNamespace("shop");
    if (refused && pods.withName("db-1").get() == null) {
      // What the StatefulSet controller and kubelet would do: db-1 comes back, with a new UID, and becomes Ready.
      Pod db1 = pods.resource(new PodBuilder().withNewMetadata().withName("db-1").addToLabels("app", "db").endMetadata()
          .withNewSpec().withNodeName("worker-2").addNewContainer().withName("postgres").withImage("postgres")
          .endContainer().endSpec().build()).create();
      db1.setStatus(new PodStatusBuilder().withPhase("Running")
          .addNewCondition().withType("Ready").withStatus("True").endCondition().build());
      pods.resource(db1).updateStatus();
      // And what the disruption controller then computes: three healthy pods, one disruption allowed again.
      var pdb = client.policy().v1().podDisruptionBudget().inNamespace("shop").withName("db");
      PodDisruptionBudget current = pdb.get();
      current.getStatus().getDisruptedPods().clear();
      current.getStatus().setDisruptionsAllowed(1);
      client.policy().v1().podDisruptionBudget().resource(current).updateStatus();
    }
  }
}
