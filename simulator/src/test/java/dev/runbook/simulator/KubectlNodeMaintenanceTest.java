package dev.runbook.simulator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runbook.simulator.api.RequestAudit;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

/**
 * The product procedure for a NodeMaintenance resource, followed literally with the real kubectl: install the
 * project's CRDs, create the resource, read it back as the chapter does, and delete it, with this test standing in
 * for the controller that holds a finalizer on it.
 */
@DisplayName("the NodeMaintenance procedure works with the real kubectl")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubectlNodeMaintenanceTest {
  private static final Path KUBECTL = Path.of("/usr/bin/kubectl");
  private static final Path CRDS = Path.of("..", "deploy", "crds");
  private static final String NAME = "maintenance-example";
  private static final String FINALIZER = "runbook.dev/workflow";

  @TempDir static Path dir;
  private SimulatedCluster cluster;
  private Path kubeconfig;
  private Path cr;

  record Run(int exit, String output) {}

  @BeforeAll
  void start() throws IOException {
    assumeTrue(Files.isExecutable(KUBECTL), "kubectl is not installed at " + KUBECTL);
    assumeTrue(Files.isDirectory(CRDS), "the project's CRDs are not at " + CRDS.toAbsolutePath());
    cluster = SimulatedCluster.builder().demoScenario().start();
    kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
    cr = Files.writeString(dir.resolve("nodemaintenance-cr.yaml"), """
        apiVersion: nodemaintenance.kubevirt.io/v1beta1
        kind: NodeMaintenance
        metadata:
          name: %s
        spec:
          nodeName: worker-1
          reason: "Node maintenance"
        """.formatted(NAME));
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private ProcessBuilder command(String... args) {
    List<String> command = new ArrayList<>(List.of(KUBECTL.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    // A discovery cache of its own: kubectl keeps one per server address for hours.
    builder.environment().put("KUBECACHEDIR", dir.resolve("kube-cache").toString());
    builder.environment().remove("KUBERNETES_SERVICE_HOST");
    return builder;
  }

  private Run kubectl(String... args) throws IOException, InterruptedException {
    Process process = command(args).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(90, TimeUnit.SECONDS), "kubectl " + String.join(" ", args) + " did not finish");
    return new Run(process.exitValue(), output);
  }

  private String ok(String... args) throws IOException, InterruptedException {
    Run run = kubectl(args);
    assertEquals(0, run.exit(), "kubectl " + String.join(" ", args) + ":\n" + run.output());
    return run.output();
  }

  private NonNamespaceOperation<GenericKubernetesResource, ?, Resource<GenericKubernetesResource>> nodeMaintenances() {
    return cluster.client().genericKubernetesResources("nodemaintenance.kubevirt.io/v1beta1", "NodeMaintenance");
  }

  @Test
  @Order(1)
  @DisplayName("apply -f deploy/crds/ installs both NodeMaintenance CRDs, and applying again changes nothing")
  void installCrds() throws Exception {
    String output = ok("apply", "-f", CRDS.toString());
    assertTrue(output.contains(
        "customresourcedefinition.apiextensions.k8s.io/nodemaintenances.nodemaintenance.kubevirt.io created"), output);
    assertTrue(output.contains(
        "customresourcedefinition.apiextensions.k8s.io/nodemaintenances.nodemaintenance.medik8s.io created"), output);

    String again = ok("apply", "-f", CRDS.toString());
    assertTrue(again.contains("nodemaintenances.nodemaintenance.kubevirt.io unchanged"), again);
  }

  @Test
  @Order(2)
  @DisplayName("apply -f nodemaintenance-cr.yaml creates the resource; get nm prints the CRD's columns, empty until a status")
  void createResource() throws Exception {
    String output = ok("apply", "-f", cr.toString());
    assertTrue(output.contains("nodemaintenance.nodemaintenance.kubevirt.io/" + NAME + " created"), output);

    String table = ok("get", "nm");
    assertTrue(table.matches("(?s).*NAME\\s+NODE\\s+PHASE\\s+PROGRESS\\s+AGE\\n.*"), table);
    assertTrue(table.matches("(?s).*\\n" + NAME + "\\s+worker-1\\s+\\d+s\\n.*"), table);
  }

  @Test
  @Order(3)
  @DisplayName("with the controller's finalizer and status, get -o yaml, get nm and describe show the progress")
  void readProgress() throws Exception {
    // What the controller does: take the resource with a finalizer, report through the status subresource.
    nodeMaintenances().withName(NAME).edit(nm -> {
      nm.getMetadata().setFinalizers(List.of(FINALIZER));
      return nm;
    });
    GenericKubernetesResource current = nodeMaintenances().withName(NAME).get();
    current.setAdditionalProperty("status", Map.of("phase", "Running", "drainProgress", 40, "totalpods", 5,
        "evictionPods", 3, "pendingPods", List.of("web-7f9c", "db-0")));
    nodeMaintenances().resource(current).updateStatus();
    cluster.client().v1().events().inNamespace("default").resource(new EventBuilder()
        .withNewMetadata().withName(NAME + ".begin").endMetadata()
        .withNewInvolvedObject().withApiVersion("nodemaintenance.kubevirt.io/v1beta1").withKind("NodeMaintenance")
        .withName(NAME).withUid(current.getMetadata().getUid()).endInvolvedObject()
        .withType("Normal").withReason("BeginMaintenance").withMessage("Begin a node maintenance")
        .withNewSource().withComponent("runbook").endSource().withCount(1)
        .withFirstTimestamp(current.getMetadata().getCreationTimestamp())
        .withLastTimestamp(current.getMetadata().getCreationTimestamp()).build()).create();

    String yaml = ok("get", "NodeMaintenance", "-o", "yaml");
    assertTrue(yaml.startsWith("apiVersion: v1\nitems:\n- apiVersion: nodemaintenance.kubevirt.io/v1beta1\n"
        + "  kind: NodeMaintenance\n"), yaml);
    assertTrue(yaml.contains("    nodeName: worker-1\n    reason: Node maintenance\n"), yaml);
    assertTrue(yaml.contains("    phase: Running\n"), yaml);
    assertTrue(yaml.contains("    - " + FINALIZER + "\n"), yaml);

    String table = ok("get", "nm");
    assertTrue(table.matches("(?s).*\\n" + NAME + "\\s+worker-1\\s+Running\\s+40\\s+\\d+s\\n.*"), table);
    String qualified = ok("get", "nodemaintenances.nodemaintenance.kubevirt.io");
    assertTrue(qualified.matches("(?s).*NAME\\s+NODE\\s+PHASE\\s+PROGRESS\\s+AGE\\n" + NAME
        + "\\s+worker-1\\s+Running\\s+40\\s+\\d+s\\n.*"), qualified);
    assertTrue(ok("get", "nodemaintenances.nodemaintenance.medik8s.io").contains("No resources found"));

    String described = ok("describe", "nodemaintenance", NAME);
    assertTrue(described.matches("(?s)Name:\\s+" + NAME + "\\n.*"), described);
    assertTrue(described.matches("(?s).*Node Name:\\s+worker-1\\n.*"), described);
    assertTrue(described.matches("(?s).*Drain Progress:\\s+40\\n.*"), described);
    assertTrue(described.matches("(?s).*Normal\\s+BeginMaintenance\\s+.*Begin a node maintenance.*"), described);

    String node = ok("describe", "node", "worker-1");
    assertTrue(node.matches("(?s)Name:\\s+worker-1\\n.*"), node);
  }

  @Test
  @Order(4)
  @DisplayName("delete -f waits while the finalizer holds the resource, and returns once the controller removes it")
  void deleteWaitsForTheFinalizer() throws Exception {
    Path out = dir.resolve("delete.out");
    Process delete = command("delete", "-f", cr.toString()).redirectOutput(out.toFile()).start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(
          () -> nodeMaintenances().withName(NAME).get().getMetadata().getDeletionTimestamp() != null);
      GenericKubernetesResource terminating = nodeMaintenances().withName(NAME).get();
      assertEquals(List.of(FINALIZER), terminating.getMetadata().getFinalizers());
      await().atMost(Duration.ofSeconds(30)).until(() -> cluster.requests("kubectl/").stream()
          .anyMatch(e -> e.verb().equals("watch") && e.resource().equals("nodemaintenances") && e.name().equals(NAME)));
      // kubectl is watching the resource to see it go: it must still be waiting.
      assertTrue(delete.isAlive(), "kubectl delete returned while the finalizer still held the resource:\n"
          + Files.readString(out));

      // The controller's last act: its finalizer goes, and with it the resource.
      nodeMaintenances().withName(NAME).edit(nm -> {
        nm.getMetadata().setFinalizers(List.of());
        return nm;
      });

      assertTrue(delete.waitFor(60, TimeUnit.SECONDS), "kubectl delete did not return after the finalizer went");
    } finally {
      delete.destroy();
    }
    String output = Files.readString(out);
    assertEquals(0, delete.exitValue(), output);
    assertTrue(output.contains("nodemaintenance.nodemaintenance.kubevirt.io \"" + NAME + "\" deleted"), output);
    assertNull(nodeMaintenances().withName(NAME).get());

    List<RequestAudit.Entry> kubectl = cluster.requests("kubectl/");
    assertTrue(kubectl.stream().anyMatch(e -> e.verb().equals("delete")
        && e.apiGroup().equals("nodemaintenance.kubevirt.io") && e.resource().equals("nodemaintenances")
        && e.name().equals(NAME)), kubectl.toString());
  }

  @Test
  @Order(5)
  @DisplayName("apply --dry-run=server checks a deployment's manifests and stores nothing; apply then creates them")
  void serverSideDryRun() throws Exception {
    Path manifests = Files.createDirectories(dir.resolve("deploy"));
    Files.writeString(manifests.resolve("worker.yaml"), """
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: runbook-worker, namespace: default}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: runbook-worker}
        rules: [{apiGroups: [""], resources: [nodes], verbs: [get, list, watch, patch]}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: runbook-worker}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: runbook-worker}
        subjects: [{kind: ServiceAccount, name: runbook-worker, namespace: default}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: runbook-leases, namespace: default}
        rules: [{apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get, create, update]}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: runbook-leases, namespace: default}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: runbook-leases}
        subjects: [{kind: ServiceAccount, name: runbook-worker, namespace: default}]
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: runbook-temporal, namespace: default}
        stringData: {apiKey: not-a-real-key}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: runbook-worker, namespace: default}
        data: {TEMPORAL_ADDRESS: "temporal:7233"}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: runbook-worker, namespace: default}
        spec: {selector: {app: runbook-worker}, ports: [{port: 443, targetPort: 8443}]}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: runbook-worker, namespace: default}
        spec:
          replicas: 1
          selector: {matchLabels: {app: runbook-worker}}
          template:
            metadata: {labels: {app: runbook-worker}}
            spec:
              serviceAccountName: runbook-worker
              containers: [{name: worker, image: "runbook/worker:0.1.0"}]
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingWebhookConfiguration
        metadata: {name: runbook-nodemaintenance}
        webhooks:
        - name: nodemaintenance.runbook.dev
          admissionReviewVersions: [v1]
          sideEffects: None
          clientConfig: {service: {name: runbook-worker, namespace: default, path: /validate}}
          rules:
          - {apiGroups: [nodemaintenance.kubevirt.io], apiVersions: [v1beta1], operations: [CREATE, UPDATE],
             resources: [nodemaintenances]}
        """);
    long versionBefore = currentResourceVersion();

    String dryRun = ok("apply", "--dry-run=server", "-f", manifests.toString());

    for (String created : List.of("serviceaccount/runbook-worker", "clusterrole.rbac.authorization.k8s.io/runbook-worker",
        "clusterrolebinding.rbac.authorization.k8s.io/runbook-worker", "role.rbac.authorization.k8s.io/runbook-leases",
        "rolebinding.rbac.authorization.k8s.io/runbook-leases", "secret/runbook-temporal", "configmap/runbook-worker",
        "service/runbook-worker", "deployment.apps/runbook-worker",
        "validatingwebhookconfiguration.admissionregistration.k8s.io/runbook-nodemaintenance")) {
      assertTrue(dryRun.contains(created + " created (server dry run)"), dryRun);
    }
    assertEquals(versionBefore, currentResourceVersion(), "a dry run changed the cluster");
    assertNull(cluster.client().apps().deployments().inNamespace("default").withName("runbook-worker").get());

    String applied = ok("apply", "-f", manifests.toString());
    assertTrue(applied.contains("clusterrole.rbac.authorization.k8s.io/runbook-worker created"), applied);
    String roles = ok("get", "clusterrole,rolebinding", "-n", "default");
    assertTrue(roles.matches("(?s).*clusterrole.rbac.authorization.k8s.io/runbook-worker\\s+\\d{4}-.*"), roles);
    assertTrue(roles.matches("(?s).*rolebinding.rbac.authorization.k8s.io/runbook-leases\\s+Role/runbook-leases\\s.*"),
        roles);

    String again = ok("apply", "--dry-run=server", "-f", manifests.toString());
    assertTrue(again.contains("deployment.apps/runbook-worker unchanged (server dry run)"), again);
    assertFalse(again.contains("created"), again);
  }

  private long currentResourceVersion() {
    return Long.parseLong(cluster.client().namespaces().list().getMetadata().getResourceVersion());
  }
}
