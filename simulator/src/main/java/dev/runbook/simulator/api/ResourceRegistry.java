package dev.runbook.simulator.api;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.databind.JsonNode;

/**
 * The resources the simulated apiserver serves: the built-in kinds this project and {@code kubectl drain} touch,
 * plus every CustomResourceDefinition created at run time (the KubeVirt CRDs among them).
 */
public final class ResourceRegistry {
  private final List<ResourceType> types = new CopyOnWriteArrayList<>();

  public ResourceRegistry() {
    Set<String> status = Set.of("status");
    core("namespaces", "Namespace", false, List.of("ns"), status);
    core("nodes", "Node", false, List.of("no"), Set.of("status", "proxy"));
    core("pods", "Pod", true, List.of("po"), Set.of("status", "eviction", "log", "binding"));
    core("events", "Event", true, List.of("ev"), Set.of());
    core("persistentvolumeclaims", "PersistentVolumeClaim", true, List.of("pvc"), status);
    core("persistentvolumes", "PersistentVolume", false, List.of("pv"), status);
    core("services", "Service", true, List.of("svc"), status);
    core("configmaps", "ConfigMap", true, List.of("cm"), Set.of());
    core("secrets", "Secret", true, List.of(), Set.of());
    core("serviceaccounts", "ServiceAccount", true, List.of("sa"), Set.of());
    core("endpoints", "Endpoints", true, List.of("ep"), Set.of());
    add("apps", "v1", "deployments", "Deployment", true, List.of("deploy"), Set.of("status", "scale"));
    add("apps", "v1", "replicasets", "ReplicaSet", true, List.of("rs"), Set.of("status", "scale"));
    add("apps", "v1", "statefulsets", "StatefulSet", true, List.of("sts"), Set.of("status", "scale"));
    add("apps", "v1", "daemonsets", "DaemonSet", true, List.of("ds"), status);
    add("apps", "v1", "controllerrevisions", "ControllerRevision", true, List.of(), Set.of());
    add("batch", "v1", "jobs", "Job", true, List.of(), status);
    add("batch", "v1", "cronjobs", "CronJob", true, List.of("cj"), status);
    add("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, List.of("pdb"), status);
    add("coordination.k8s.io", "v1", "leases", "Lease", true, List.of(), Set.of());
    add("events.k8s.io", "v1", "events", "Event", true, List.of("ev"), Set.of());
    add("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, List.of("sc"), Set.of());
    add(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        false,
        List.of("crd", "crds"),
        status);
    // What a product's own manifests (deploy/) bring besides its CRDs: plain storage, no behaviour.
    String rbac = "rbac.authorization.k8s.io";
    add(rbac, "v1", "clusterroles", "ClusterRole", false, List.of(), Set.of());
    add(rbac, "v1", "clusterrolebindings", "ClusterRoleBinding", false, List.of(), Set.of());
    add(rbac, "v1", "roles", "Role", true, List.of(), Set.of());
    add(rbac, "v1", "rolebindings", "RoleBinding", true, List.of(), Set.of());
    String admission = "admissionregistration.k8s.io";
    add(admission, "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false, List.of(),
        Set.of());
    add(admission, "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", false, List.of(),
        Set.of());
  }

  private void core(String plural, String kind, boolean namespaced, List<String> shortNames, Set<String> subs) {
    add("", "v1", plural, kind, namespaced, shortNames, subs);
  }

  private void add(
      String group, String version, String plural, String kind, boolean namespaced, List<String> shortNames,
      Set<String> subs) {
    types.add(new ResourceType(group, version, plural, kind, namespaced, shortNames, subs));
  }

  public Optional<ResourceType> find(String group, String version, String plural) {
    return types.stream()
        .filter(t -> t.group().equals(group) && t.version().equals(version) && t.plural().equals(plural))
        .findFirst();
  }

  public Optional<ResourceType> byKind(String apiVersion, String kind) {
    return types.stream().filter(t -> t.apiVersion().equals(apiVersion) && t.kind().equals(kind)).findFirst();
  }

  public List<ResourceType> all() {
    return List.copyOf(types);
  }

  /**
   * Group → versions, for discovery: the built-in groups first, then the custom resources' groups in the order the
   * aggregator lists them (by APIService name, {@code version.group}). kubectl takes the first group that serves an
   * ambiguous name ({@code kubectl get nm} with NodeMaintenance in two groups), so the order is behaviour.
   */
  public Map<String, List<String>> groups() {
    Map<String, List<String>> builtIn = new LinkedHashMap<>();
    Map<String, List<String>> custom = new LinkedHashMap<>();
    for (ResourceType type : types) {
      List<String> versions = (type.custom() ? custom : builtIn).computeIfAbsent(type.group(), g -> new ArrayList<>());
      if (!versions.contains(type.version())) {
        versions.add(type.version());
      }
    }
    Map<String, List<String>> groups = new LinkedHashMap<>(builtIn);
    custom.entrySet().stream()
        .sorted(java.util.Comparator.comparing(e -> e.getValue().get(0) + "." + e.getKey()))
        .forEach(e -> groups.putIfAbsent(e.getKey(), e.getValue()));
    return groups;
  }

  public List<ResourceType> inGroupVersion(String group, String version) {
    return types.stream().filter(t -> t.group().equals(group) && t.version().equals(version)).toList();
  }

  /**
   * Serve the versions a CustomResourceDefinition declares (called when one is created or updated; an update
   * replaces what the CRD served before, so new printer columns or versions take effect at once).
   */
  public synchronized void register(JsonNode crd) {
    List<ResourceType> declared = declaredBy(crd);
    String group = crd.path("spec").path("group").asString("");
    String plural = crd.path("spec").path("names").path("plural").asString();
    List<ResourceType> current =
        types.stream().filter(t -> t.group().equals(group) && t.plural().equals(plural)).toList();
    if (current.equals(declared)) {
      return;
    }
    types.removeAll(current);
    types.addAll(declared);
  }

  private static List<ResourceType> declaredBy(JsonNode crd) {
    List<ResourceType> declared = new ArrayList<>();
    JsonNode spec = crd.path("spec");
    String group = spec.path("group").asString("");
    JsonNode names = spec.path("names");
    List<String> shortNames = new ArrayList<>();
    names.path("shortNames").forEach(n -> shortNames.add(n.asString()));
    List<String> categories = new ArrayList<>();
    names.path("categories").forEach(n -> categories.add(n.asString()));
    boolean namespaced = !"Cluster".equals(spec.path("scope").asString("Namespaced"));
    for (JsonNode version : spec.path("versions")) {
      if (!version.path("served").asBoolean(true)) {
        continue;
      }
      String v = version.path("name").asString();
      Set<String> subs = version.path("subresources").has("status") ? Set.of("status") : Set.of();
      String plural = names.path("plural").asString();
      List<PrinterColumn> columns = new ArrayList<>();
      version.path("additionalPrinterColumns").forEach(c -> columns.add(PrinterColumn.from(c)));
      if (columns.isEmpty()) {
        columns.add(PrinterColumn.age());
      }
      declared.add(
          new ResourceType(
              group, v, plural, names.path("kind").asString(), namespaced, List.copyOf(shortNames), subs,
              List.copyOf(categories), true, List.copyOf(columns),
              version.path("schema").path("openAPIV3Schema").isObject()
                  ? version.path("schema").path("openAPIV3Schema").deepCopy() : null));
    }
    return declared;
  }

  public synchronized void unregister(JsonNode crd) {
    String group = crd.path("spec").path("group").asString("");
    String plural = crd.path("spec").path("names").path("plural").asString();
    types.removeIf(t -> t.group().equals(group) && t.plural().equals(plural));
  }

  public Collection<ResourceType> sameStorage(ResourceType type) {
    return types.stream().filter(t -> t.storageKey().equals(type.storageKey())).toList();
  }
}
