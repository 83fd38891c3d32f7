package dev.runbook.simulator.controllers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Pod and ownership predicates as the Kubernetes controllers define them (kubernetes/pkg/controller utilities). */
final class Pods {
  private Pods() {}

  static String key(HasMetadata obj) {
    String ns = obj.getMetadata().getNamespace();
    return ns == null || ns.isEmpty() ? obj.getMetadata().getName() : ns + "/" + obj.getMetadata().getName();
  }

  static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static boolean isTerminating(HasMetadata obj) {
    return obj.getMetadata().getDeletionTimestamp() != null;
  }

  static String phase(Pod pod) {
    return pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending" : pod.getStatus().getPhase();
  }

  static boolean isFinished(Pod pod) {
    String phase = phase(pod);
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  /** The controllers' "active" pod: neither terminating nor finished. */
  static boolean isActive(Pod pod) {
    return !isTerminating(pod) && !isFinished(pod);
  }

  static Optional<PodCondition> condition(Pod pod, String type) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  static boolean isReady(Pod pod) {
    return condition(pod, "Ready").map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  static boolean isRunningAndReady(Pod pod) {
    return "Running".equals(phase(pod)) && isReady(pod);
  }

  static boolean isBound(Pod pod) {
    return pod.getSpec() != null && pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty();
  }

  static Optional<OwnerReference> controllerOf(HasMetadata obj) {
    List<OwnerReference> refs = obj.getMetadata().getOwnerReferences();
    if (refs == null) {
      return Optional.empty();
    }
    return refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst();
  }

  static boolean isControlledBy(HasMetadata obj, HasMetadata owner) {
    return controllerOf(obj).map(r -> r.getUid().equals(owner.getMetadata().getUid())).orElse(false);
  }

  /** The key of {@code obj}'s controller when it is of {@code kind}, for mapping a pod event to its owner. */
  static String controllerKey(HasMetadata obj, String kind) {
    return controllerOf(obj)
        .filter(r -> kind.equals(r.getKind()))
        .map(r -> key(obj.getMetadata().getNamespace(), r.getName()))
        .orElse(null);
  }

  static OwnerReference controllerReference(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /** A new pod from a workload's template, controlled by {@code owner}; the template itself is left untouched. */
  static Pod fromTemplate(PodTemplateSpec template, HasMetadata owner, String name, Map<String, String> extraLabels) {
    ObjectMeta templateMeta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    Map<String, String> labels = new LinkedHashMap<>();
    if (templateMeta.getLabels() != null) {
      labels.putAll(templateMeta.getLabels());
    }
    labels.putAll(extraLabels);
    Map<String, String> annotations = new LinkedHashMap<>();
    if (templateMeta.getAnnotations() != null) {
      annotations.putAll(templateMeta.getAnnotations());
    }
    ObjectMeta meta = new ObjectMeta();
    meta.setName(name);
    meta.setNamespace(owner.getMetadata().getNamespace());
    meta.setLabels(labels);
    meta.setAnnotations(annotations);
    if (templateMeta.getFinalizers() != null && !templateMeta.getFinalizers().isEmpty()) {
      meta.setFinalizers(List.copyOf(templateMeta.getFinalizers()));
    }
    meta.setOwnerReferences(List.of(controllerReference(owner)));
    Pod pod = new Pod();
    pod.setApiVersion("v1");
    pod.setKind("Pod");
    pod.setMetadata(meta);
    pod.setSpec(template.getSpec() == null ? new PodSpec() : Serialization.clone(template.getSpec()));
    return pod;
  }

  static String annotation(HasMetadata obj, String name) {
    Map<String, String> annotations = obj.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(name);
  }
}
