package dev.runbook.simulator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runbook.simulator.score.ScoreReport;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code kubectl drain} against the simulated cluster with every controller running: what it prints, how
 * it exits, and what the cluster looks like afterwards must be what an operator sees on a real cluster. kubectl's
 * eviction retry ("will retry after 5s") is real time; the simulated work behind it runs ten times faster.
 */
@DisplayName("kubectl drain on the simulated cluster behaves as on a real one")
class KubectlDrainIT {
  private static final Path KUBECTL = Path.of("/usr/bin/kubectl");
  private static final double SPEED = 10;
  private static final String NODE = "worker-1";
  private static final ResourceDefinitionContext VMIS =
      new ResourceDefinitionContext.Builder()
          .withGroup("kubevirt.io").withVersion("v1").withKind("VirtualMachineInstance")
          .withPlural("virtualmachineinstances").withNamespaced(true).build();

  @TempDir Path dir;

  record Run(int exit, String output) {}

  @BeforeAll
  static void needsKubectl() {
    assumeTrue(Files.isExecutable(KUBECTL), "kubectl is not installed at " + KUBECTL);
  }

  @Test
  @DisplayName("a drain of a node without blockers completes: PDB-paced evictions, live migration, workloads elsewhere")
  void drainCompletes() throws Exception {
    try (SimulatedCluster cluster =
        SimulatedCluster.builder().scenario(resource("scenarios/drainable.yaml")).speed(SPEED)
            .withDefaultControllers().start()) {
      Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
      KubernetesClient client = cluster.client();

      String before = ok(kubeconfig, Duration.ofSeconds(60), "get", "nodes,pods", "-A", "-o", "wide").output();
      assertTrue(before.matches("(?s).*node/worker-1\\s+Ready\\s+worker.*"), before);
      // The workloads the drain must move really start on the node (controllers adopt, not replace, them).
      assertEquals(List.of("db-0", "db-1"), podNames(client, "shop", "app=db", NODE));
      assertEquals(2, podNames(client, "shop", "app=web", NODE).size(), before);
      assertEquals(NODE, vmi(client, "rhel-db-live").get("status", "nodeName"));

      Run drain = kubectl(kubeconfig, Duration.ofSeconds(150),
          "drain", NODE, "--ignore-daemonsets", "--delete-emptydir-data", "--force");

      String out = drain.output();
      assertEquals(0, drain.exit(), out);
      assertTrue(out.contains("node/worker-1 cordoned"), out);
      // kubectl joins its warnings on one "Warning: " line in no fixed order
      assertTrue(out.contains("Warning: "), out);
      assertTrue(out.contains("ignoring DaemonSet-managed Pods: kube-system/node-agent-k2f9w"), out);
      assertTrue(out.contains("deleting Pods that declare no controller: shop/debug-shell"), out);
      Matcher pdbRefusal = Pattern.compile(
          "error when evicting pods/\"(db-[01])\" -n \"shop\" \\(will retry after 5s\\): "
              + "Cannot evict pod as it would violate the pod's disruption budget\\.").matcher(out);
      assertTrue(pdbRefusal.find(), out);
      assertTrue(out.contains("pod/db-0 evicted") && out.contains("pod/db-1 evicted"), out);
      assertTrue(out.contains("error when evicting pods/\"virt-launcher-rhel-db-live-abcde\" -n \"vms\" "
          + "(will retry after 5s): admission webhook \"virt-launcher-eviction-interceptor.kubevirt.io\" denied the "
          + "request: Eviction triggered evacuation of VMI \"vms/rhel-db-live\""), out);
      // As on a real cluster, the migrated-away launcher stays Completed until kubectl's retry evicts it.
      assertTrue(out.contains("pod/virt-launcher-rhel-db-live-abcde evicted"), out);
      assertTrue(out.strip().endsWith("node/worker-1 drained"), out);

      // kubectl waited for every evicted pod to be gone, so only the DaemonSet's pod is left on the node.
      List<Pod> left = client.pods().inAnyNamespace().withField("spec.nodeName", NODE).list().getItems();
      assertEquals(List.of("node-agent-k2f9w"), left.stream().map(p -> p.getMetadata().getName()).toList(),
          "pods left on the drained node");
      assertEquals("DaemonSet", controllerKind(left.get(0)));

      // The PDB (maxUnavailable: 1) let one db pod go at a time, and was never overrun.
      ScoreReport report = cluster.report();
      List<ScoreReport.PdbDecision> db =
          report.pdbDecisions().stream().filter(d -> "db".equals(d.pdb()) && "shop".equals(d.namespace())).toList();
      assertTrue(db.stream().anyMatch(d -> !d.allowed() && d.pod().equals(pdbRefusal.group(1))), db.toString());
      assertEquals(2, db.stream().filter(ScoreReport.PdbDecision::allowed).count(), db.toString());
      assertTrue(db.stream().filter(ScoreReport.PdbDecision::allowed).allMatch(d -> d.disruptionsAllowedBefore() >= 1),
          db.toString());

      await("every replica Running and Ready off " + NODE).atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .untilAsserted(() -> {
            assertReplicasElsewhere(client, "app=web", 3);
            assertReplicasElsewhere(client, "app=db", 3);
            assertReplicasElsewhere(client, "app=cache-warmer", 1);
          });
      String wide = ok(kubeconfig, Duration.ofSeconds(60), "get", "pods", "-A", "-o", "wide").output();
      for (String line : wide.lines().skip(1).toList()) {
        assertTrue(!line.contains(" " + NODE + " ") || line.contains("node-agent-k2f9w"), wide);
      }

      // The live-migratable VM moved by live migration; the others were shut down and restarted by their VMs.
      Map<String, Object> vmiStatus = vmi(client, "rhel-db-live").get("status");
      Map<?, ?> migration = (Map<?, ?>) vmiStatus.get("migrationState");
      assertNotEquals(NODE, vmiStatus.get("nodeName"));
      assertEquals(true, migration.get("completed"), migration.toString());
      assertEquals(false, migration.get("failed"), migration.toString());
      assertEquals(NODE, migration.get("sourceNode"));
      assertEquals(vmiStatus.get("nodeName"), migration.get("targetNode"));
      await("VMs with runStrategy Always running again off " + NODE).atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> {
            for (String vm : List.of("win-ifpossible", "batch-worker")) {
              GenericKubernetesResource vmi = vmi(client, vm);
              assertEquals("Running", vmi.get("status", "phase"), vm);
              assertNotEquals(NODE, vmi.get("status", "nodeName"), vm);
            }
          });

      Map<?, ?> served = Serialization.unmarshal(get(cluster.masterUrl() + "/sim/report"), Map.class);
      assertEquals(List.of(), served.get("violations"), served.toString());

      assertTrue(ok(kubeconfig, Duration.ofSeconds(60), "uncordon", NODE).output().contains("node/worker-1 uncordoned"));
      assertFalse(Boolean.TRUE.equals(client.nodes().withName(NODE).get().getSpec().getUnschedulable()));
      String nodes = ok(kubeconfig, Duration.ofSeconds(60), "get", "node", NODE).output();
      assertFalse(nodes.contains("SchedulingDisabled"), nodes);
    }
  }

  @Test
  @DisplayName("a drain blocked by a non-migratable LiveMigrate VM times out naming its virt-launcher pod")
  void drainBlockedByNonMigratableVm() throws Exception {
    try (SimulatedCluster cluster = SimulatedCluster.builder().demoScenario().speed(SPEED).withDefaultControllers()
        .start()) {
      Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));

      Run drain = kubectl(kubeconfig, Duration.ofSeconds(90),
          "drain", NODE, "--ignore-daemonsets", "--delete-emptydir-data", "--force", "--timeout=20s");

      String out = drain.output();
      assertNotEquals(0, drain.exit(), out);
      assertTrue(out.contains("error when evicting pods/\"virt-launcher-fedora-rwo-abcde\" -n \"vms\" "
          + "(will retry after 5s): admission webhook \"virt-launcher-eviction-interceptor.kubevirt.io\" denied the "
          + "request: VMI fedora-rwo is configured with an eviction strategy but is not live-migratable"), out);
      assertTrue(out.contains("There are pending pods in node \"worker-1\" when an error occurred: "
          + "error when evicting pods/\"virt-launcher-fedora-rwo-abcde\" -n \"vms\": global timeout reached: 20s"), out);
      assertTrue(out.contains("error: unable to drain node \"worker-1\""), out);
      assertTrue(out.contains("There are pending nodes to be drained:\n worker-1"), out);
      assertFalse(out.contains("node/worker-1 drained"), out);

      // The VM was not touched: its launcher still runs on the cordoned node, and nothing was broken on the way.
      KubernetesClient client = cluster.client();
      Pod launcher = client.pods().inNamespace("vms").withName("virt-launcher-fedora-rwo-abcde").get();
      assertEquals(NODE, launcher.getSpec().getNodeName());
      assertEquals("Running", launcher.getStatus().getPhase());
      assertTrue(launcher.getMetadata().getDeletionTimestamp() == null);
      assertEquals(NODE, vmi(client, "fedora-rwo").get("status", "nodeName"));
      assertTrue(client.nodes().withName(NODE).get().getSpec().getUnschedulable());
      assertTrue(cluster.report().violations().isEmpty(), cluster.report().summary());
    }
  }

  @Test
  @DisplayName("the sim command prints one ready line, serves kubectl, and prints its score on SIGTERM")
  void simCommand() throws Exception {
    Path kubeconfig = dir.resolve("sim.kubeconfig");
    // stdout goes to a file: reading a pipe while the process exits can fail with "Stream closed" in the JDK.
    Path stdout = dir.resolve("sim.out");
    Process sim = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"), SimMain.class.getName(),
            "--scenario", resource("scenarios/drainable.yaml").toString(), "--port", "0",
            "--kubeconfig", kubeconfig.toString(), "--speed", "10")
        .redirectOutput(stdout.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      // A cold JVM loading fabric8 and starting every controller takes a while on a busy 2-core machine.
      await("the ready line").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
          .until(() -> Files.readString(stdout).contains("\n") || !sim.isAlive());
      List<String> lines = Files.readAllLines(stdout);
      assertEquals(1, lines.size(), "stdout before stopping: " + lines);
      String ready = lines.get(0);
      assertTrue(ready.matches("simulator ready: http://127\\.0\\.0\\.1:\\d+ kubeconfig=.*"), ready);
      assertTrue(ready.endsWith("kubeconfig=" + kubeconfig.toAbsolutePath()), ready);

      String nodes = ok(kubeconfig, Duration.ofSeconds(60), "get", "nodes").output();
      assertTrue(nodes.matches("(?s).*worker-1\\s+Ready\\s+worker.*"), nodes);
      assertEquals(List.of(ready), Files.readAllLines(stdout), "one line only while serving");

      sim.destroy(); // SIGTERM
      assertTrue(sim.waitFor(60, TimeUnit.SECONDS), "the simulator did not stop on SIGTERM");
      String rest = Files.readString(stdout).substring(ready.length() + 1);
      assertTrue(rest.startsWith("simulator score\n"), rest);
      assertTrue(rest.contains("  evictions answered: 0 {}"), rest);
      assertTrue(rest.contains("  violations: none"), rest);
    } finally {
      sim.destroyForcibly();
    }
  }

  private static void assertReplicasElsewhere(KubernetesClient client, String selector, int replicas) {
    List<Pod> pods = client.pods().inNamespace("shop").withLabelSelector(selector).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList();
    assertEquals(replicas, pods.size(), selector + ": " + names(pods));
    for (Pod pod : pods) {
      assertEquals("Running", pod.getStatus().getPhase(), pod.getMetadata().getName());
      assertTrue(isReady(pod), pod.getMetadata().getName() + " is not Ready");
      assertNotEquals(NODE, pod.getSpec().getNodeName(), pod.getMetadata().getName());
    }
  }

  private static boolean isReady(Pod pod) {
    List<PodCondition> conditions = pod.getStatus().getConditions();
    return conditions != null
        && conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static List<String> podNames(KubernetesClient client, String namespace, String selector, String node) {
    return names(client.pods().inNamespace(namespace).withLabelSelector(selector).withField("spec.nodeName", node)
        .list().getItems());
  }

  private static List<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).sorted().toList();
  }

  private static String controllerKind(Pod pod) {
    return pod.getMetadata().getOwnerReferences().stream()
        .filter(o -> Boolean.TRUE.equals(o.getController()))
        .map(OwnerReference::getKind)
        .findFirst().orElse(null);
  }

  private static GenericKubernetesResource vmi(KubernetesClient client, String name) {
    return Objects.requireNonNull(
        client.genericKubernetesResources(VMIS).inNamespace("vms").withName(name).get(), "VMI vms/" + name);
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(Objects.requireNonNull(KubectlDrainIT.class.getClassLoader().getResource(name), name).toURI());
  }

  private static String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> response = HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    return response.body();
  }

  private static Run ok(Path kubeconfig, Duration limit, String... args) throws IOException, InterruptedException {
    Run run = kubectl(kubeconfig, limit, args);
    assertEquals(0, run.exit(), "kubectl " + String.join(" ", args) + ":\n" + run.output());
    return run;
  }

  /** Runs kubectl with stdout and stderr merged, in the order an operator would see them. */
  private static Run kubectl(Path kubeconfig, Duration limit, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(KUBECTL.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().remove("KUBERNETES_SERVICE_HOST");
    Process process = builder.start();
    StringBuilder output = new StringBuilder();
    Thread reader = new Thread(() -> {
      try {
        output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        output.append("read failed: ").append(e);
      }
    }, "kubectl-output");
    reader.start();
    boolean finished = process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
    if (!finished) {
      process.destroyForcibly();
    }
    reader.join(10_000);
    assertTrue(finished, "kubectl " + String.join(" ", args) + " did not finish within " + limit + ":\n" + output);
    return new Run(process.exitValue(), output.toString());
  }
}
