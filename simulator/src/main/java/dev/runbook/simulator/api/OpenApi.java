package dev.runbook.simulator.api;

import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * Just enough OpenAPI v3 for kubectl: the root index and one document per group version whose PATCH operations
 * carry their GroupVersionKind and the {@code fieldValidation} parameter. kubectl apply/create then validate on
 * the server side (which this simulator accepts leniently) instead of downloading full schemas; apply computes
 * its strategic merge patch from kubectl's built-in types.
 */
public final class OpenApi {
  private final ResourceRegistry registry;

  public OpenApi(ResourceRegistry registry) {
    this.registry = registry;
  }

  public ObjectNode root() {
    ObjectNode root = Json.object();
    ObjectNode paths = root.putObject("paths");
    for (Map.Entry<String, List<String>> group : registry.groups().entrySet()) {
      for (String version : group.getValue()) {
        String gv = group.getKey().isEmpty() ? "api/" + version : "apis/" + group.getKey() + "/" + version;
        paths.putObject(gv).put("serverRelativeURL", "/openapi/v3/" + gv + "?hash=" + hash(group.getKey(), version));
      }
    }
    return root;
  }

  private String hash(String group, String version) {
    return Integer.toHexString(registry.inGroupVersion(group, version).hashCode());
  }

  /** @return null when the group version is not served */
  public ObjectNode groupVersion(String group, String version) {
    List<ResourceType> types = registry.inGroupVersion(group, version);
    if (types.isEmpty()) {
      return null;
    }
    ObjectNode doc = Json.object();
    doc.put("openapi", "3.0.0");
    ObjectNode info = doc.putObject("info");
    info.put("title", "Kubernetes");
    info.put("version", "v1.32.0");
    ObjectNode paths = doc.putObject("paths");
    String prefix = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    for (ResourceType type : types) {
      String path =
          prefix + (type.namespaced() ? "/namespaces/{namespace}/" : "/") + type.plural() + "/{name}";
      ObjectNode patch = paths.putObject(path).putObject("patch");
      patch.put("operationId", "patch" + type.kind());
      ObjectNode gvk = patch.putObject("x-kubernetes-group-version-kind");
      gvk.put("group", type.group());
      gvk.put("version", type.version());
      gvk.put("kind", type.kind());
      ObjectNode parameter = patch.putArray("parameters").addObject();
      parameter.put("name", "fieldValidation");
      parameter.put("in", "query");
      parameter.putObject("schema").put("type", "string");
      ObjectNode content = patch.putObject("requestBody").putObject("content");
      content.putObject("application/json-patch+json").putObject("schema");
      content.putObject("application/merge-patch+json").putObject("schema");
      patch.putObject("responses").putObject("200").put("description", "OK");
    }
    doc.putObject("components").putObject("schemas");
    return doc;
  }
}
