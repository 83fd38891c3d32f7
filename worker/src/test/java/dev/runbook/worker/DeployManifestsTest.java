package dev.runbook.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runbook.worker.nodemaintenance.NodeMaintenanceResources;
import dev.runbook.worker.nodemaintenance.NodeMaintenanceWebhook;
import dev.runbook.worker.nodemaintenance.ControllerConfig;
import dev.runbook.worker.nodemaintenance.WebhookConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.temporal.envconfig.ClientConfigProfile;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The manifests in {@code deploy/} as the API server would read them: each document into fabric8's typed model,
 * with no field the model does not know (a typo such as {@code readOnlyRootFileSystem} would otherwise be dropped
 * by the API server without a word), and consistent with each other and with the code.
 */
class DeployManifestsTest {
  private static final Path DEPLOY = Path.of("..", "deploy");
  /** Custom resources of other projects: no fabric8 model, checked field by field below. */
  private static final Set<String> FOREIGN_KINDS = Set.of("cert-manager.io/v1 Issuer", "cert-manager.io/v1 Certificate");

  private static Map<Path, List<KubernetesResource>> manifests;

  @BeforeAll
  static void loadEveryManifest() throws IOException {
    manifests = new LinkedHashMap<>();
    for (Path file : yamlFiles()) {
      if (!isKustomization(file)) {
        manifests.put(file, documents(file).stream().map(Serialization::<KubernetesResource>unmarshal).toList());
      }
    }
  }

  @Test
  @DisplayName("every manifest loads into fabric8's typed model, with no field the model does not know")
  void everyDocumentIsTypedAndHasNoUnknownField() {
    List<String> problems = new ArrayList<>();
    manifests.forEach(
        (file, docs) -> {
          for (KubernetesResource doc : docs) {
            String where = DEPLOY.relativize(file) + " " + name(doc);
            if (doc instanceof GenericKubernetesResource generic) {
              String kind = generic.getApiVersion() + " " + generic.getKind();
              if (!FOREIGN_KINDS.contains(kind)) {
                problems.add(where + ": apiVersion/kind '" + kind + "' is not a Kubernetes type fabric8 knows");
              }
            } else {
              unknownFields(doc, where, problems);
            }
          }
        });
    assertTrue(problems.isEmpty(), () -> String.join("\n", problems));
    assertTrue(manifests.values().stream().mapToInt(List::size).sum() >= 14, "documents: " + manifests);
  }

  @Test
  @DisplayName("every kustomization names files that exist, and every manifest is installed by one of them")
  void kustomizationsCoverEveryManifest() throws IOException {
    Set<Path> referenced = new HashSet<>();
    List<String> missing = new ArrayList<>();
    for (Path kustomization : kustomizations()) {
      Map<String, Object> k = Serialization.unmarshal(Files.readString(kustomization), Map.class);
      for (Object entry : (List<?>) k.getOrDefault("resources", List.of())) {
        Path target = kustomization.getParent().resolve(entry.toString()).normalize();
        if (Files.isDirectory(target) && kustomizationIn(target) != null) {
          referenced.add(kustomizationIn(target));
        } else if (Files.isRegularFile(target)) {
          referenced.add(target);
        } else {
          missing.add(kustomization + " -> " + entry);
        }
      }
    }
    assertTrue(missing.isEmpty(), "referenced but missing: " + missing);
    Set<Path> orphans =
        manifests.keySet().stream().map(Path::normalize).filter(f -> !referenced.contains(f)).collect(Collectors.toSet());
    assertTrue(orphans.isEmpty(), "in deploy/ but installed by no kustomization: " + orphans);
  }

  @Test
  @DisplayName("the Deployment sets only environment variables the code reads")
  void deploymentEnvNamesExistInTheCode() throws IOException {
    Set<String> known = new TreeSet<>();
    known.addAll(runbookConstants(WorkerConfig.class));
    known.addAll(runbookConstants(WebhookConfig.class));
    known.addAll(runbookConstants(ControllerConfig.class));
    known.addAll(runbookLiteralsInSources());
    String envconfig = classText(ClientConfigProfile.class);

    List<String> unknown = new ArrayList<>();
    for (EnvVar env : workerContainer().getEnv()) {
      String name = env.getName();
      boolean read = name.startsWith("TEMPORAL_") ? hasConstant(envconfig, name) : known.contains(name);
      if (!read) {
        unknown.add(name);
      }
    }
    assertTrue(unknown.isEmpty(), () -> "the Deployment sets " + unknown + ", which nothing reads; known: " + known);
    Set<String> set = workerContainer().getEnv().stream().map(EnvVar::getName).collect(Collectors.toSet());
    assertTrue(
        set.containsAll(List.of("TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", ControllerConfig.ENABLED, WebhookConfig.PORT)),
        "env: " + set);
  }

  @Test
  @DisplayName("the Deployment's webhook settings agree with the code: port, certificate directory, probes, Secret")
  void webhookWiring() {
    Deployment deployment = one(Deployment.class);
    Container worker = workerContainer();
    Map<String, String> env = worker.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    WebhookConfig config = WebhookConfig.fromEnvironment(env);

    assertTrue(config.enabled());
    assertEquals(config.port(), worker.getPorts().get(0).getContainerPort());
    assertEquals(worker.getPorts().get(0).getName(), worker.getReadinessProbe().getHttpGet().getPort().getStrVal());
    assertEquals(NodeMaintenanceWebhook.HEALTH_PATH, worker.getReadinessProbe().getHttpGet().getPath());
    assertEquals(NodeMaintenanceWebhook.HEALTH_PATH, worker.getLivenessProbe().getHttpGet().getPath());
    assertEquals("HTTPS", worker.getLivenessProbe().getHttpGet().getScheme());
    String certVolume =
        worker.getVolumeMounts().stream()
            .filter(m -> Path.of(m.getMountPath()).equals(config.certDir()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("nothing is mounted at " + config.certDir()))
            .getName();
    Volume volume =
        deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals(certVolume))
            .findFirst()
            .orElseThrow();
    String secret = volume.getSecret().getSecretName();

    GenericKubernetesResource certificate = foreign("Certificate");
    assertEquals(secret, spec(certificate).get("secretName"), "cert-manager writes the Secret the Deployment mounts");
    Service service = one(Service.class);
    String dnsName = service.getMetadata().getName() + "." + service.getMetadata().getNamespace() + ".svc";
    assertTrue(((List<?>) spec(certificate).get("dnsNames")).contains(dnsName), "the certificate names " + dnsName);
    assertEquals(foreign("Issuer").getMetadata().getName(), ((Map<?, ?>) spec(certificate).get("issuerRef")).get("name"));
  }

  @Test
  @DisplayName("the worker runs unprivileged, read-only and within measured memory")
  void podHardening() {
    Deployment deployment = one(Deployment.class);
    Container worker = workerContainer();

    assertTrue(deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot());
    assertTrue(worker.getSecurityContext().getReadOnlyRootFilesystem());
    assertFalse(worker.getSecurityContext().getAllowPrivilegeEscalation());
    assertEquals(List.of("ALL"), worker.getSecurityContext().getCapabilities().getDrop());
    long requested = worker.getResources().getRequests().get("memory").getNumericalAmount().longValue();
    long limit = worker.getResources().getLimits().get("memory").getNumericalAmount().longValue();
    assertTrue(requested >= 360L << 20, "the request covers the measured 300-360 MiB: " + requested);
    assertTrue(limit > requested, "headroom above the request");
    assertTrue(worker.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")), "a writable /tmp");
  }

  @Test
  @DisplayName("the webhook configuration sends CREATE and UPDATE of both groups to the Service, and fails closed")
  void webhookConfiguration() {
    ValidatingWebhook webhook = one(ValidatingWebhookConfiguration.class).getWebhooks().get(0);
    Service service = one(Service.class);

    assertEquals(service.getMetadata().getName(), webhook.getClientConfig().getService().getName());
    assertEquals(service.getMetadata().getNamespace(), webhook.getClientConfig().getService().getNamespace());
    assertEquals(NodeMaintenanceWebhook.VALIDATE_PATH, webhook.getClientConfig().getService().getPath());
    assertEquals(service.getSpec().getPorts().get(0).getPort(), webhook.getClientConfig().getService().getPort());
    assertEquals(workerContainer().getPorts().get(0).getName(), service.getSpec().getPorts().get(0).getTargetPort().getStrVal());
    assertEquals(
        one(Deployment.class).getSpec().getTemplate().getMetadata().getLabels().entrySet().containsAll(service.getSpec().getSelector().entrySet()),
        true,
        "the Service selects the worker's pods");
    RuleWithOperations rule = webhook.getRules().get(0);
    assertEquals(Set.copyOf(NodeMaintenanceResources.GROUPS), Set.copyOf(rule.getApiGroups()));
    assertEquals(List.of(NodeMaintenanceResources.VERSION), rule.getApiVersions());
    assertEquals(List.of(NodeMaintenanceResources.PLURAL), rule.getResources());
    assertEquals(Set.of("CREATE", "UPDATE"), Set.copyOf(rule.getOperations()));
    assertEquals("Fail", webhook.getFailurePolicy());
    assertEquals("None", webhook.getSideEffects());
    assertEquals(List.of("v1"), webhook.getAdmissionReviewVersions());
    assertNotNull(webhook.getTimeoutSeconds());
  }

  @Test
  @DisplayName("the worker's ServiceAccount is bound to its roles, and the CRDs serve the groups the code uses")
  void bindingsAndCrds() {
    ServiceAccount account = one(ServiceAccount.class);
    ClusterRoleBinding clusterBinding = one(ClusterRoleBinding.class);
    RoleBinding binding = one(RoleBinding.class);
    for (var subject : List.of(clusterBinding.getSubjects().get(0), binding.getSubjects().get(0))) {
      assertEquals(account.getMetadata().getName(), subject.getName());
      assertEquals(account.getMetadata().getNamespace(), subject.getNamespace());
    }
    assertEquals(one(ClusterRole.class).getMetadata().getName(), clusterBinding.getRoleRef().getName());
    assertEquals(one(Role.class).getMetadata().getName(), binding.getRoleRef().getName());
    assertEquals(account.getMetadata().getName(), one(Deployment.class).getSpec().getTemplate().getSpec().getServiceAccountName());
    assertEquals("medik8s-leases", one(Role.class).getMetadata().getNamespace(), "LeaseActivitiesImpl.LEASE_NAMESPACE");
    Set<String> namespaces = all(Namespace.class).stream().map(n -> n.getMetadata().getName()).collect(Collectors.toSet());
    assertTrue(namespaces.containsAll(Set.of(account.getMetadata().getNamespace(), "medik8s-leases")), "namespaces: " + namespaces);

    Set<String> crdGroups = all(CustomResourceDefinition.class).stream().map(c -> c.getSpec().getGroup()).collect(Collectors.toSet());
    assertEquals(Set.copyOf(NodeMaintenanceResources.GROUPS), crdGroups);
    // the controller writes status through the subresource in both groups
    List<PolicyRule> rules = one(ClusterRole.class).getRules();
    for (String group : NodeMaintenanceResources.GROUPS) {
      assertTrue(
          rules.stream().anyMatch(r -> r.getApiGroups().contains(group) && r.getResources().contains("nodemaintenances/status")),
          "status rule for " + group);
    }
  }

  @Test
  @DisplayName("the ClusterRole grants no wildcard, no secrets and nothing cluster-admin-like")
  void clusterRoleIsNarrow() {
    for (PolicyRule rule : one(ClusterRole.class).getRules()) {
      assertFalse(rule.getVerbs().contains("*") || rule.getResources().contains("*") || rule.getApiGroups().contains("*"), rule.toString());
      assertFalse(rule.getResources().contains("secrets"), "the worker reads no Secret: " + rule);
      assertFalse(rule.getVerbs().stream().anyMatch(Set.of("escalate", "bind", "impersonate")::contains), rule.toString());
    }
  }

  @Test
  @DisplayName("kubectl kustomize renders both flavours, each with its own CA injection")
  void kustomizeRendersBothFlavours() throws Exception {
    assumeTrue(onPath("kubectl"), "kubectl is not installed");

    String certManager = kustomize(DEPLOY);
    String openshift = kustomize(DEPLOY.resolve("openshift"));

    assertTrue(certManager.contains("cert-manager.io/inject-ca-from: runbook-system/runbook-webhook"), certManager);
    assertTrue(certManager.contains("kind: Certificate"));
    assertTrue(openshift.contains("service.beta.openshift.io/inject-cabundle: \"true\""), openshift);
    assertTrue(openshift.contains("service.beta.openshift.io/serving-cert-secret-name: runbook-webhook-cert"), openshift);
    assertFalse(openshift.contains("cert-manager.io"), "the OpenShift flavour needs no cert-manager");
    for (String rendered : List.of(certManager, openshift)) {
      assertTrue(rendered.contains("kind: Deployment") && rendered.contains("kind: CustomResourceDefinition"));
    }
  }

  // ---- helpers -----------------------------------------------------------------------------------------------------

  private static List<Path> yamlFiles() throws IOException {
    try (Stream<Path> files = Files.walk(DEPLOY)) {
      return files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
    }
  }

  private static boolean isKustomization(Path file) {
    return KUSTOMIZATION_NAMES.contains(file.getFileName().toString());
  }

  /** deploy/crds/ holds "Kustomization", which `kubectl apply -f deploy/crds/` skips (no .yaml), unlike its CRDs. */
  private static final List<String> KUSTOMIZATION_NAMES = List.of("kustomization.yaml", "kustomization.yml", "Kustomization");

  private static List<Path> kustomizations() throws IOException {
    try (Stream<Path> files = Files.walk(DEPLOY)) {
      return files.filter(DeployManifestsTest::isKustomization).sorted().toList();
    }
  }

  private static Path kustomizationIn(Path dir) {
    return KUSTOMIZATION_NAMES.stream().map(dir::resolve).filter(Files::isRegularFile).findFirst().orElse(null);
  }

  private static List<String> documents(Path file) throws IOException {
    List<String> docs = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Files.readAllLines(file)) {
      if (line.equals("---")) {
        docs.add(current.toString());
        current.setLength(0);
      } else {
        current.append(line).append('\n');
      }
    }
    docs.add(current.toString());
    // a document of comments only is no object
    return docs.stream().filter(d -> d.lines().anyMatch(l -> !l.isBlank() && !l.stripLeading().startsWith("#"))).toList();
  }

  private static String name(KubernetesResource doc) {
    return doc instanceof HasMetadata h ? h.getKind() + "/" + h.getMetadata().getName() : doc.getClass().getSimpleName();
  }

  /** Fields fabric8 kept aside because its model has no such property: misspelt or misplaced in the YAML. */
  private static void unknownFields(Object node, String path, List<String> problems) {
    if (node == null) {
      return;
    }
    if (node instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        unknownFields(item, path + "[" + i++ + "]", problems);
      }
      return;
    }
    if (node instanceof Map<?, ?> map) {
      map.forEach((k, v) -> unknownFields(v, path + "." + k, problems));
      return;
    }
    if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : node.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers()) || !getter.getName().startsWith("get")
          || getter.getName().equals("getClass")) {
        continue;
      }
      Object value;
      try {
        value = getter.invoke(node);
      } catch (ReflectiveOperationException e) {
        continue;
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          problems.add(path + ": unknown field(s) " + extra.keySet());
        }
      } else {
        unknownFields(value, path + "." + property(getter), problems);
      }
    }
  }

  private static String property(Method getter) {
    String name = getter.getName().substring(3);
    return name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
  }

  private static <T extends KubernetesResource> List<T> all(Class<T> type) {
    return manifests.values().stream().flatMap(List::stream).filter(type::isInstance).map(type::cast).toList();
  }

  private static <T extends KubernetesResource> T one(Class<T> type) {
    List<T> found = all(type);
    assertEquals(1, found.size(), "one " + type.getSimpleName() + " in deploy/");
    return found.get(0);
  }

  private static GenericKubernetesResource foreign(String kind) {
    return all(GenericKubernetesResource.class).stream()
        .filter(r -> kind.equals(r.getKind()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " in deploy/"));
  }

  private static Map<?, ?> spec(GenericKubernetesResource resource) {
    return (Map<?, ?>) resource.getAdditionalProperties().get("spec");
  }

  private static Container workerContainer() {
    return one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals("worker"))
        .findFirst()
        .orElseThrow();
  }

  private static Set<String> runbookConstants(Class<?> type) {
    Set<String> names = new TreeSet<>();
    for (var field : type.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        try {
          String value = (String) field.get(null);
          if (value != null && value.startsWith("RUNBOOK_")) {
            names.add(value);
          }
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return names;
  }

  /** {@code "RUNBOOK_..."} string literals in the worker's and the CLI's sources: constants or inline names. */
  private static Set<String> runbookLiteralsInSources() throws IOException {
    Pattern literal = Pattern.compile("\"(RUNBOOK_[A-Z0-9_]+)\"");
    Set<String> names = new TreeSet<>();
    for (Path root : List.of(Path.of("src", "main", "java"), Path.of("..", "cli", "src", "main", "java"))) {
      if (!Files.isDirectory(root)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(root)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          Matcher m = literal.matcher(Files.readString(file));
          while (m.find()) {
            names.add(m.group(1));
          }
        }
      }
    }
    return names;
  }

  /** The constant pool of a class holds its string literals: the env names temporal-envconfig reads. */
  private static String classText(Class<?> type) throws IOException {
    try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
      assertNotNull(in, "class file of " + type);
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  /** A CONSTANT_Utf8 entry is its two-byte length and then its bytes: an exact name, not a prefix of a longer one. */
  private static boolean hasConstant(String classText, String value) {
    int length = value.length();
    return classText.contains("" + (char) 1 + (char) (length >> 8) + (char) (length & 0xff) + value);
  }

  private static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    return path != null
        && Stream.of(path.split(java.io.File.pathSeparator)).anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
  }

  private static String kustomize(Path dir) throws Exception {
    Process process = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize " + dir + " did not finish");
    assertEquals(0, process.exitValue(), "kubectl kustomize " + dir + ": " + output);
    return output;
  }
}
