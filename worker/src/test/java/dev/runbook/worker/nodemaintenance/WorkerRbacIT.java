package dev.runbook.worker.nodemaintenance;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.activities.KubernetesClients;
import dev.runbook.worker.SimulatedWorld;
import dev.runbook.workflows.NodeMaintenanceWorkflow;
import dev.runbook.workflows.model.EscalateRequest;
import dev.runbook.workflows.model.MaintenanceResult;
import dev.runbook.workflows.model.Stage;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.temporal.testing.TestWorkflowEnvironment;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The permissions in {@code deploy/base/rbac.yaml} against the calls the worker really makes: a whole maintenance
 * of the demo node (plan, Lease, cordon, evictions, PDB waits, live migration, the operator's escalation, resume)
 * and the webhook's reads run with clients that record every request; each request must be allowed by the
 * ClusterRole, or by the Role in its namespace, the way the API server's RBAC authorizer would decide it.
 */
class WorkerRbacIT {
  private static final String NODE = "worker-1";

  @TempDir Path tmp;
  private SimulatedWorld world;
  private TestWorkflowEnvironment env;
  private KubernetesClients kube;
  private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();

  /** One API request as the authorizer sees it. */
  record Call(String verb, String group, String resource, String namespace, String name, String path) {}

  @AfterEach
  void stop() {
    if (world != null) {
      world.close();
    }
  }

  @Test
  @DisplayName("every API call of a full maintenance and of the webhook is allowed by the deployed roles")
  void everyCallIsAllowed() throws Exception {
    world =
        SimulatedWorld.start(
            tmp,
            kubeconfig -> {
              Config config =
                  new ConfigBuilder(Config.fromKubeconfig(kubeconfig)).withUserAgent(KubernetesClients.USER_AGENT).build();
              return new KubernetesClients(
                  recording(config), recording(new ConfigBuilder(config).withRequestRetryBackoffLimit(0).build()));
            });
    kube = world.kube;
    env = world.env;
    KubernetesClient admin = world.admin();
    SimulatedWorld.applyNodeMaintenanceCrds(admin);
    // what the installation creates before the worker runs: the Lease namespace its Role lives in
    admin.load(Files.newInputStream(Path.of("..", "deploy", "base", "namespace.yaml"))).create();
    world.startWorker();
    runNodeMaintenanceResource(admin);
    runDemoMaintenance();

    NodeMaintenanceAdmission webhook = new NodeMaintenanceAdmission(kube.client());
    webhook.review(
        """
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE",
         "resource":{"group":"nodemaintenance.medik8s.io","version":"v1beta1","resource":"nodemaintenances"},
         "object":{"apiVersion":"nodemaintenance.medik8s.io/v1beta1","kind":"NodeMaintenance",
          "metadata":{"name":"m"},"spec":{"nodeName":"worker-2"}}}}""");

    List<KubernetesResource> rbac = rbacDocuments();
    ClusterRole clusterRole = rbac.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast).findFirst().orElseThrow();
    Role role = rbac.stream().filter(Role.class::isInstance).map(Role.class::cast).findFirst().orElseThrow();
    List<String> denied = new ArrayList<>();
    Set<String> seen = new TreeSet<>();
    for (Call call : calls) {
      if (call.resource() == null) {
        continue; // /version, discovery: every authenticated user may read them
      }
      seen.add(call.verb() + " " + (call.group().isEmpty() ? "" : call.group() + "/") + call.resource());
      boolean allowed =
          allows(clusterRole.getRules(), call)
              || (role.getMetadata().getNamespace().equals(call.namespace()) && allows(role.getRules(), call));
      if (!allowed) {
        denied.add(call.verb() + " " + call.path());
      }
    }

    // the run reached the calls that matter, so that an allowed-everything verdict means something
    assertTrue(
        seen.containsAll(
            List.of("create pods/eviction", "update nodes", "create coordination.k8s.io/leases", "delete coordination.k8s.io/leases",
                "list policy/poddisruptionbudgets", "get kubevirt.io/virtualmachineinstances", "create events",
                "list nodemaintenance.medik8s.io/nodemaintenances")),
        "calls seen: " + seen);
    assertTrue(denied.isEmpty(), () -> "not allowed by deploy/base/rbac.yaml:\n" + String.join("\n", new TreeSet<>(denied)));

    // Least privilege, the other way round: every verb granted was used, or is named here with the path that needs it.
    Set<String> granted = new TreeSet<>();
    for (var rules : List.of(clusterRole.getRules(), role.getRules())) {
      for (PolicyRule rule : rules) {
        for (String group : rule.getApiGroups()) {
          for (String resource : rule.getResources()) {
            for (String verb : rule.getVerbs()) {
              granted.add(verb + " " + (group.isEmpty() ? "" : group + "/") + resource);
            }
          }
        }
      }
    }
    Set<String> unused = new TreeSet<>();
    granted.forEach(g -> unused.add(sameCodeBothGroups(g)));
    seen.forEach(u -> unused.remove(sameCodeBothGroups(u)));
    unused.removeAll(NEEDED_BUT_NOT_EXERCISED.keySet());
    assertTrue(unused.isEmpty(), () -> "granted by deploy/base/rbac.yaml but never used: " + unused);
  }

  /** Grants this run cannot reach, each with the code path that needs it. */
  private static final Map<String, String> NEEDED_BUT_NOT_EXERCISED =
      Map.of(
          "delete kubevirt.io/virtualmachineinstancemigrations",
          "VirtualMachineActivitiesImpl.cancelEvacuations: a resume that arrives while an evacuation migration runs",
          "patch kubevirt.io/virtualmachineinstances/status",
          "VirtualMachineActivitiesImpl.cancelEvacuations: a resume while a VMI still carries evacuationNodeName",
          "list kubevirt.io/kubevirts",
          "KubeVirt.clusterEvictionStrategy: a VMI that sets no evictionStrategy (every demo VMI sets one)",
          "update coordination.k8s.io/leases",
          "LeaseActivitiesImpl: renewing the Lease (every few minutes) and taking over an expired one",
          "watch policy/poddisruptionbudgets",
          "DrainActivitiesImpl: an eviction answered 429 waits on its budget (whether the demo hits one is timing)");

  /** The controller and the webhook run the same code for both NodeMaintenance groups: one use covers both. */
  private static String sameCodeBothGroups(String grant) {
    return grant.replace("nodemaintenance.medik8s.io/", "nodemaintenance.kubevirt.io/");
  }

  /** The controller's whole life of one resource: accept, start, mirror, finalizer, resume on delete, release. */
  private void runNodeMaintenanceResource(KubernetesClient admin) {
    NodeMaintenanceController controller =
        NodeMaintenanceController.start(
            kube.client(), env.getWorkflowClient(), NodeMaintenanceWorkflow.DEFAULT_TASK_QUEUE,
            new ControllerConfig(true, Duration.ofMillis(250)));
    try {
      // worker-1's drain blocks for sure on the VM on a ReadWriteOnce disk, so the delete below lands in the middle of
      // a drain, the path that cancels evacuations. It waits until nothing else is in flight: temporal-testing's
      // in-memory server wedges a workflow whose cancellation meets an activity completing in the same task
      // (sdk-java #2391); the real server does not, and the e2e deletes one mid-flight there.
      String node = NODE;
      var context = NodeMaintenanceResources.context("nodemaintenance.kubevirt.io");
      GenericKubernetesResource nm =
          new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
              .withApiVersion("nodemaintenance.kubevirt.io/v1beta1")
              .withKind("NodeMaintenance")
              .withNewMetadata().withName("rbac-check").endMetadata()
              .build();
      nm.setAdditionalProperty("spec", Map.of("nodeName", node, "reason", "rbac check"));
      admin.genericKubernetesResources(context).resource(nm).create();
      NodeMaintenanceWorkflow maintenance =
          world.temporal().newWorkflowStub(NodeMaintenanceWorkflow.class, NodeMaintenanceWorkflow.workflowId(node));
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(250))
          .ignoreExceptions()
          .until(
              maintenance::status,
              s -> !s.pendingPods().isEmpty() && s.blockers().size() == s.pendingPods().size());
      admin.genericKubernetesResources(context).withName("rbac-check").delete();
      await().atMost(Duration.ofSeconds(120)).until(() -> admin.genericKubernetesResources(context).withName("rbac-check").get() == null);
    } finally {
      controller.close();
    }
  }

  private void runDemoMaintenance() throws Exception {
    NodeMaintenanceWorkflow maintenance = world.startMaintenance(NODE, "rbac check", Duration.ofSeconds(15));
    // the VM on a ReadWriteOnce disk cannot move
    SimulatedWorld.awaitStage(maintenance, Stage.DRAIN_BLOCKED, Duration.ofSeconds(120));
    maintenance.escalate(new EscalateRequest(List.of(), "rbac check"));
    SimulatedWorld.awaitStage(maintenance, Stage.AWAITING_RESUME, Duration.ofSeconds(120));
    maintenance.resume();
    MaintenanceResult result =
        world.temporal().newUntypedWorkflowStub(NodeMaintenanceWorkflow.workflowId(NODE)).getResult(90, TimeUnit.SECONDS, MaintenanceResult.class);
    assertEquals(Stage.COMPLETED, result.stage());
  }

  private KubernetesClient recording(Config config) {
    Interceptor recorder =
        new Interceptor() {
          @Override
          public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            calls.add(call(request.method(), request.uri()));
          }
        };
    return new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientFactory(new JdkHttpClientFactory())
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("rbac-recorder", recorder))
        .build();
  }

  /** {@code /api/v1/namespaces/ns/pods/name/eviction} → create, "", pods/eviction, ns, name. */
  static Call call(String method, URI uri) {
    String path = uri.getPath();
    List<String> parts = new ArrayList<>(List.of(path.replaceFirst("^/", "").split("/")));
    String group;
    if (parts.size() >= 2 && parts.get(0).equals("api")) {
      group = "";
      parts = parts.subList(2, parts.size());
    } else if (parts.size() >= 3 && parts.get(0).equals("apis")) {
      group = parts.get(1);
      parts = parts.subList(3, parts.size());
    } else {
      return new Call(method, null, null, null, null, path);
    }
    String namespace = null;
    if (parts.size() >= 3 && parts.get(0).equals("namespaces")) {
      namespace = parts.get(1);
      parts = parts.subList(2, parts.size());
    }
    if (parts.isEmpty()) {
      return new Call(method, group, null, null, null, path);
    }
    String resource = parts.get(0);
    String name = parts.size() >= 2 ? parts.get(1) : null;
    if (parts.size() >= 3) {
      resource = resource + "/" + parts.get(2);
    }
    if (resource.equals("namespaces") && name == null && namespace != null) {
      resource = "namespaces"; // GET /api/v1/namespaces/<name>: the namespace object itself
      name = namespace;
      namespace = null;
    }
    String query = uri.getQuery() == null ? "" : uri.getQuery();
    String verb =
        switch (method) {
          case "GET" -> query.contains("watch=true") ? "watch" : name == null ? "list" : "get";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> name == null ? "deletecollection" : "delete";
          default -> method.toLowerCase();
        };
    return new Call(verb, group, resource, namespace, name, path + (query.isEmpty() ? "" : "?" + query));
  }

  /** RBAC's rule matching: group, resource (with subresource), verb, and resourceNames when a rule lists them. */
  static boolean allows(List<PolicyRule> rules, Call call) {
    return rules.stream()
        .anyMatch(
            r ->
                r.getApiGroups().contains(call.group())
                    && r.getResources().contains(call.resource())
                    && r.getVerbs().contains(call.verb())
                    && (r.getResourceNames() == null
                        || r.getResourceNames().isEmpty()
                        || (call.name() != null && r.getResourceNames().contains(call.name()))));
  }

  private static List<KubernetesResource> rbacDocuments() throws Exception {
    String yaml = Files.readString(Path.of("..", "deploy", "base", "rbac.yaml"));
    return Set.of(yaml.split("(?m)^---$")).stream()
        .filter(d -> d.lines().anyMatch(l -> l.startsWith("kind:")))
        .map(Serialization::<KubernetesResource>unmarshal)
        .collect(Collectors.toList());
  }
}
