package dev.runbook.worker.nodemaintenance;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The NodeMaintenance custom resource, served in two API groups with one schema ({@code deploy/crds/}):
 * {@code nodemaintenance.medik8s.io} (today's Node Maintenance Operator) and {@code nodemaintenance.kubevirt.io}
 * (the group the OpenShift Virtualization chapter shows). Both are read as fabric8 generic resources: the
 * controller touches {@code spec.nodeName}, {@code spec.reason}, a finalizer, two annotations and the status.
 */
public final class NodeMaintenanceResources {
  public static final String KIND = "NodeMaintenance";
  public static final String VERSION = "v1beta1";
  public static final String PLURAL = "nodemaintenances";
  public static final List<String> GROUPS = List.of("nodemaintenance.medik8s.io", "nodemaintenance.kubevirt.io");

  /** Held while the resource's workflow may still have to restore the node; removed once it has. */
  public static final String FINALIZER = "nodemaintenance.runbook.dev/workflow";
  /**
   * The node this resource was accepted for, set (with the finalizer) before its workflow starts: marks the resource
   * as accepted, and {@code spec.nodeName} may not change afterwards.
   */
  public static final String NODE_ANNOTATION = "nodemaintenance.runbook.dev/node";
  /** The workflow that carries out this resource: {@code maintenance-<node>}. */
  public static final String WORKFLOW_ID_ANNOTATION = "nodemaintenance.runbook.dev/workflow-id";
  /** That workflow's run, set once it started: a later run of the same id (another maintenance) is not this one's. */
  public static final String RUN_ID_ANNOTATION = "nodemaintenance.runbook.dev/run-id";
  /** The workflow memo key naming the resource a workflow was started for ({@code group}, {@code name}, {@code uid}). */
  public static final String MEMO_KEY = "nodeMaintenance";

  private NodeMaintenanceResources() {}

  public static List<ResourceDefinitionContext> contexts() {
    return GROUPS.stream().map(NodeMaintenanceResources::context).toList();
  }

  public static ResourceDefinitionContext context(String group) {
    return new ResourceDefinitionContext.Builder()
        .withGroup(group)
        .withVersion(VERSION)
        .withPlural(PLURAL)
        .withKind(KIND)
        .withNamespaced(false)
        .build();
  }

  public static String group(GenericKubernetesResource nm) {
    String apiVersion = nm.getApiVersion() == null ? "" : nm.getApiVersion();
    int slash = apiVersion.indexOf('/');
    return slash < 0 ? apiVersion : apiVersion.substring(0, slash);
  }

  /** {@code nodemaintenance.nodemaintenance.kubevirt.io/maintenance-example}: what kubectl calls it. */
  public static String describe(GenericKubernetesResource nm) {
    return "nodemaintenance." + group(nm) + "/" + nm.getMetadata().getName();
  }

  public static String nodeName(GenericKubernetesResource nm) {
    return specString(nm, "nodeName").orElse("");
  }

  public static String reason(GenericKubernetesResource nm) {
    return specString(nm, "reason").orElse("");
  }

  public static Optional<String> annotation(GenericKubernetesResource nm, String key) {
    Map<String, String> annotations = nm.getMetadata().getAnnotations();
    return annotations == null ? Optional.empty() : Optional.ofNullable(annotations.get(key));
  }

  public static boolean accepted(GenericKubernetesResource nm) {
    return annotation(nm, NODE_ANNOTATION).isPresent();
  }

  /** Refused by the controller (where no webhook runs): {@code phase: Failed} without ever being accepted. */
  public static boolean refused(GenericKubernetesResource nm) {
    return !accepted(nm) && "Failed".equals(statusString(nm, "phase").orElse(null));
  }

  public static Optional<String> statusString(GenericKubernetesResource nm, String field) {
    Object status = nm.getAdditionalProperties().get("status");
    if (status instanceof Map<?, ?> map && map.get(field) instanceof String value) {
      return Optional.of(value);
    }
    return Optional.empty();
  }

  public static boolean deleting(GenericKubernetesResource nm) {
    return nm.getMetadata().getDeletionTimestamp() != null;
  }

  public static boolean hasFinalizer(GenericKubernetesResource nm) {
    List<String> finalizers = nm.getMetadata().getFinalizers();
    return finalizers != null && finalizers.contains(FINALIZER);
  }

  private static Optional<String> specString(GenericKubernetesResource nm, String field) {
    Object spec = nm.getAdditionalProperties().get("spec");
    if (spec instanceof Map<?, ?> map && map.get(field) instanceof String value) {
      return Optional.of(value.trim());
    }
    return Optional.empty();
  }
}
