package dev.runbook.cli.node;

import static dev.runbook.cli.Expect.contains;
import static dev.runbook.cli.Expect.exit;

import dev.runbook.cli.CliContext;
import dev.runbook.cli.CliRun;
import dev.runbook.cli.DrainPlanners;
import dev.runbook.cli.ExitCode;
import dev.runbook.simulator.SimulatedCluster;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("runbook node plan against the simulated demo cluster, through KUBECONFIG like a user")
class NodePlanAgainstSimulatedClusterTest {
  // fabric8 reads the `kubeconfig` system property before the KUBECONFIG variable, which a test cannot set.
  private static final String KUBECONFIG_PROPERTY = "kubeconfig";

  private static SimulatedCluster cluster;
  private static Path kubeconfig;
  private final CliContext context = CliRun.offline().withDrainPlanners(DrainPlanners.standard());

  @BeforeAll
  static void startCluster(@TempDir Path dir) {
    // No controllers: the demo scenario's pods are pre-placed, and planning only reads.
    cluster = SimulatedCluster.builder().demoScenario().start();
    kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @AfterEach
  void forgetKubeconfig() {
    System.clearProperty(KUBECONFIG_PROPERTY);
  }

  @Test
  void plansTheDemoNodeWithoutChangingIt() {
    System.setProperty(KUBECONFIG_PROPERTY, kubeconfig.toString());
    String before = cluster.client().nodes().withName("worker-1").get().getMetadata().getResourceVersion();

    CliRun run = CliRun.run(context, "node", "plan", "worker-1");

    exit(ExitCode.OK, run);
    contains(run.out(), "drain plan for node worker-1", "POD", "OWNER", "ACTION", "PDBS", "REASON", "skip (DaemonSet)", "evict", "feasible:");
    contains(run.out(), "StatefulSet/db");
    org.junit.jupiter.api.Assertions.assertEquals(
        before, cluster.client().nodes().withName("worker-1").get().getMetadata().getResourceVersion(), "node untouched");
  }

  @Test
  void aNodeTheClusterDoesNotHaveIsAUsageError() {
    System.setProperty(KUBECONFIG_PROPERTY, kubeconfig.toString());

    CliRun run = CliRun.run(context, "node", "plan", "worker-9");

    exit(ExitCode.USAGE, run);
    contains(run.err(), "there is no node 'worker-9' in the cluster");
  }

  @Test
  void anUnreachableClusterIsExitFour(@TempDir Path dir) throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Path nowhere = dir.resolve("kubeconfig");
    Files.writeString(nowhere, Files.readString(kubeconfig).replace(cluster.masterUrl().replaceAll("/$", ""), "http://127.0.0.1:" + closedPort));
    System.setProperty(KUBECONFIG_PROPERTY, nowhere.toString());

    CliRun run = CliRun.run(context, "node", "plan", "worker-1");

    exit(ExitCode.CLUSTER_UNREACHABLE, run);
    contains(run.err(), "cannot reach the Kubernetes API at http://127.0.0.1:" + closedPort, "KUBECONFIG", "runbook sim");
  }
}
