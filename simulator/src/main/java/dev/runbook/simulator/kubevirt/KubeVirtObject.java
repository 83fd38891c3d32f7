package dev.runbook.simulator.kubevirt;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Typed reads over a schemaless KubeVirt object; the subclasses name the fields each kind has. */
abstract class KubeVirtObject {
  final GenericKubernetesResource resource;

  KubeVirtObject(GenericKubernetesResource resource) {
    this.resource = resource;
  }

  String name() {
    return resource.getMetadata().getName();
  }

  String namespace() {
    return resource.getMetadata().getNamespace();
  }

  String uid() {
    return resource.getMetadata().getUid();
  }

  boolean deleting() {
    return resource.getMetadata().getDeletionTimestamp() != null;
  }

  Map<String, String> labels() {
    Map<String, String> labels = resource.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }

  Map<String, String> annotations() {
    Map<String, String> annotations = resource.getMetadata().getAnnotations();
    return annotations == null ? Map.of() : annotations;
  }

  Optional<OwnerReference> controllerOwner() {
    List<OwnerReference> owners = resource.getMetadata().getOwnerReferences();
    if (owners == null) {
      return Optional.empty();
    }
    return owners.stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst();
  }

  String string(Object... path) {
    Object value = resource.get(path);
    return value == null ? null : value.toString();
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> map(Object... path) {
    Object value = resource.get(path);
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
  }

  @SuppressWarnings("unchecked")
  List<Object> list(Object... path) {
    Object value = resource.get(path);
    return value instanceof List<?> l ? (List<Object>) l : List.of();
  }

  /**
   * A simulated duration from a {@code sim.runbook.dev/} annotation in seconds (fractions allowed), else the
   * default. A malformed value falls back to the default rather than stalling the simulation.
   */
  static Duration seconds(Map<String, String> annotations, String key, Duration fallback) {
    String value = annotations.get(key);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Duration.ofMillis(Math.round(Double.parseDouble(value.trim()) * 1000));
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  static int integer(Map<String, String> annotations, String key, int fallback) {
    String value = annotations.get(key);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
