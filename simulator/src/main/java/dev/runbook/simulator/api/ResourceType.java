package dev.runbook.simulator.api;

import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * One served resource: where it lives in the URL space and how discovery describes it. A custom resource (served
 * for a CustomResourceDefinition) carries its printer columns and its version's {@code openAPIV3Schema} (null when
 * the CRD gives none); a built-in one has neither.
 */
public record ResourceType(
    String group,
    String version,
    String plural,
    String kind,
    boolean namespaced,
    List<String> shortNames,
    Set<String> subresources,
    List<String> categories,
    boolean custom,
    List<PrinterColumn> printerColumns,
    JsonNode schema) {

  public ResourceType(String group, String version, String plural, String kind, boolean namespaced,
      List<String> shortNames, Set<String> subresources) {
    this(group, version, plural, kind, namespaced, shortNames, subresources, List.of(), false, List.of(), null);
  }

  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** The key of its storage: one store per group and plural, whatever the version. */
  public String storageKey() {
    return group + "/" + plural;
  }

  /** "pods", "deployments.apps": how the apiserver names a resource in its error messages. */
  public String qualifiedPlural() {
    return group.isEmpty() ? plural : plural + "." + group;
  }

  public String singular() {
    return kind.toLowerCase(java.util.Locale.ROOT);
  }

  public boolean hasStatus() {
    return subresources.contains("status");
  }
}
