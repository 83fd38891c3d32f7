package dev.runbook.simulator.api;

import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The legacy (unaggregated) discovery documents kubectl and fabric8 read: {@code /version}, {@code /api},
 * {@code /apis}, and one {@code APIResourceList} per group version, with subresources such as
 * {@code pods/eviction} (served by the policy group, as kubectl drain checks).
 */
public final class Discovery {
  private static final List<String> ALL_VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
  private static final Set<String> IN_CATEGORY_ALL =
      Set.of("pods", "services", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs");

  private final ResourceRegistry registry;

  public Discovery(ResourceRegistry registry) {
    this.registry = registry;
  }

  public ObjectNode version() {
    ObjectNode v = Json.object();
    v.put("major", "1");
    v.put("minor", "32");
    v.put("gitVersion", "v1.32.0-runbook-sim");
    v.put("gitCommit", "0000000000000000000000000000000000000000");
    v.put("gitTreeState", "clean");
    v.put("buildDate", "2026-01-01T00:00:00Z");
    v.put("goVersion", "go1.23.0");
    v.put("compiler", "gc");
    v.put("platform", "linux/amd64");
    return v;
  }

  public ObjectNode coreVersions(String serverAddress) {
    ObjectNode api = Json.object();
    api.put("kind", "APIVersions");
    api.putArray("versions").add("v1");
    ObjectNode cidr = api.putArray("serverAddressByClientCIDRs").addObject();
    cidr.put("clientCIDR", "0.0.0.0/0");
    cidr.put("serverAddress", serverAddress);
    return api;
  }

  public ObjectNode groups() {
    ObjectNode list = Json.object();
    list.put("kind", "APIGroupList");
    list.put("apiVersion", "v1");
    ArrayNode groups = list.putArray("groups");
    for (Map.Entry<String, List<String>> g : registry.groups().entrySet()) {
      if (!g.getKey().isEmpty()) {
        groups.add(group(g.getKey(), g.getValue()));
      }
    }
    return list;
  }

  public ObjectNode group(String name) {
    List<String> versions = registry.groups().get(name);
    if (versions == null) {
      return null;
    }
    ObjectNode group = group(name, versions);
    group.put("kind", "APIGroup");
    group.put("apiVersion", "v1");
    return group;
  }

  private static ObjectNode group(String name, List<String> versions) {
    ObjectNode group = Json.object();
    group.put("name", name);
    ArrayNode vs = group.putArray("versions");
    for (String v : versions) {
      ObjectNode gv = vs.addObject();
      gv.put("groupVersion", name + "/" + v);
      gv.put("version", v);
    }
    ObjectNode preferred = group.putObject("preferredVersion");
    preferred.put("groupVersion", name + "/" + versions.get(0));
    preferred.put("version", versions.get(0));
    return group;
  }

  public ObjectNode resources(String group, String version) {
    List<ResourceType> types = registry.inGroupVersion(group, version);
    if (types.isEmpty()) {
      return null;
    }
    ObjectNode list = Json.object();
    list.put("kind", "APIResourceList");
    list.put("apiVersion", "v1");
    list.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
    ArrayNode resources = list.putArray("resources");
    for (ResourceType type : types) {
      ObjectNode r = resources.addObject();
      r.put("name", type.plural());
      r.put("singularName", type.singular());
      r.put("namespaced", type.namespaced());
      r.put("kind", type.kind());
      ArrayNode verbs = r.putArray("verbs");
      ALL_VERBS.forEach(verbs::add);
      if (!type.shortNames().isEmpty()) {
        ArrayNode shortNames = r.putArray("shortNames");
        type.shortNames().forEach(shortNames::add);
      }
      if (IN_CATEGORY_ALL.contains(type.plural()) || type.categories().contains("all")) {
        r.putArray("categories").add("all");
      }
      for (String sub : type.subresources().stream().sorted().toList()) {
        ObjectNode s = resources.addObject();
        s.put("name", type.plural() + "/" + sub);
        s.put("singularName", "");
        s.put("namespaced", type.namespaced());
        ArrayNode subVerbs = s.putArray("verbs");
        switch (sub) {
          case "eviction" -> {
            s.put("group", "policy");
            s.put("version", "v1");
            s.put("kind", "Eviction");
            subVerbs.add("create");
          }
          case "binding" -> {
            s.put("kind", "Binding");
            subVerbs.add("create");
          }
          case "log" -> {
            s.put("kind", "Pod");
            subVerbs.add("get");
          }
          case "proxy" -> {
            s.put("kind", "NodeProxyOptions");
            subVerbs.add("get");
          }
          case "scale" -> {
            s.put("group", "autoscaling");
            s.put("version", "v1");
            s.put("kind", "Scale");
            List.of("get", "patch", "update").forEach(subVerbs::add);
          }
          default -> {
            s.put("kind", type.kind());
            List.of("get", "patch", "update").forEach(subVerbs::add);
          }
        }
      }
    }
    return list;
  }
}
