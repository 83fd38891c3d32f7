package dev.runbook.simulator.api;

import java.util.List;
import java.util.Set;

/**
 * One served resource: where it lives in the URL space and how discovery describes it. A custom resource (served
 * for a CustomResourceDefinition) carries its printer columns; a built-in one has none.
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
    List<PrinterColumn> printerColumns) {

  public ResourceType(String group, String version, String plural, String kind, boolean namespaced,
      List<String> shortNames, Set<String> subresources) {
    this(group, version, plural, kind, namespaced, shortNames, subresources, List.of(), false, List.of());
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
