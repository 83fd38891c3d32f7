package dev.runbook.simulator.controllers;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Gives each Deployment one ReplicaSet {@code <deployment>-<pod-template-hash>} with the Deployment's replicas and
 * scales ReplicaSets of older templates to zero. Rolling-update pacing (maxSurge / maxUnavailable) is not
 * simulated: a drain never changes a template.
 */
public final class DeploymentController extends InformingController {
  static final String POD_TEMPLATE_HASH = "pod-template-hash";

  private SharedIndexInformer<Deployment> deployments;
  private SharedIndexInformer<ReplicaSet> replicaSets;

  @Override
  public String name() {
    return "deployment-controller";
  }

  @Override
  public String process() {
    return KUBE_CONTROLLER_MANAGER;
  }

  @Override
  protected void startInformers() {
    deployments = inform("apps/v1/deployments", c -> c.apps().deployments().inAnyNamespace(), d -> loop.enqueue(Pods.key(d)));
    replicaSets = inform("apps/v1/replicasets", c -> c.apps().replicaSets().inAnyNamespace(), rs -> loop.enqueue(Pods.controllerKey(rs, "Deployment")));
  }

  @Override
  protected void reconcile(String key) {
    Deployment deployment = deployments.getStore().getByKey(key);
    if (deployment == null || Pods.isTerminating(deployment)) {
      return;
    }
    String namespace = deployment.getMetadata().getNamespace();
    int replicas = deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
    String hash = Names.templateHash(deployment.getSpec().getTemplate());
    List<ReplicaSet> owned =
        replicaSets.getStore().list().stream()
            .filter(rs -> namespace.equals(rs.getMetadata().getNamespace()) && Pods.isControlledBy(rs, deployment))
            .toList();
    ReplicaSet current =
        owned.stream()
            .filter(rs -> sameTemplateIgnoringHash(rs, deployment))
            .findFirst()
            .orElseGet(() -> owned.stream().filter(rs -> hash.equals(labels(rs.getMetadata()).get(POD_TEMPLATE_HASH))).findFirst().orElse(null));
    if (current == null) {
      String name = deployment.getMetadata().getName() + "-" + hash;
      if (replicaSets.getStore().getByKey(Pods.key(namespace, name)) == null) {
        client.apps().replicaSets().inNamespace(namespace).resource(newReplicaSet(deployment, name, hash, replicas)).create();
      }
    } else if (!Objects.equals(current.getSpec().getReplicas(), replicas)) {
      scale(current, replicas);
    }
    for (ReplicaSet old : owned) {
      if (old != current && (old.getSpec().getReplicas() == null || old.getSpec().getReplicas() != 0)) {
        scale(old, 0);
      }
    }
    writeStatus(deployment, owned, current, replicas);
  }

  /**
   * The real controller's EqualIgnoreHash: the ReplicaSet is the Deployment's current one if its pod template, without
   * the pod-template-hash label, is the Deployment's. Matching by template and not by name keeps a scenario's
   * ReplicaSet (whose hash another implementation computed) instead of replacing all its pods.
   */
  @SuppressWarnings("unchecked")
  private static boolean sameTemplateIgnoringHash(ReplicaSet rs, Deployment deployment) {
    if (rs.getSpec() == null || rs.getSpec().getTemplate() == null) {
      return false;
    }
    Map<String, Object> rsTemplate = Serialization.unmarshal(Serialization.asJson(rs.getSpec().getTemplate()), Map.class);
    Map<String, Object> wanted = Serialization.unmarshal(Serialization.asJson(deployment.getSpec().getTemplate()), Map.class);
    for (Map<String, Object> template : List.of(rsTemplate, wanted)) {
      Object meta = template.get("metadata");
      if (meta instanceof Map<?, ?> m) {
        Object podLabels = m.get("labels");
        if (podLabels instanceof Map<?, ?> l) {
          ((Map<String, Object>) l).remove(POD_TEMPLATE_HASH);
          if (l.isEmpty()) {
            ((Map<String, Object>) m).remove("labels");
          }
        }
        if (m.isEmpty()) {
          template.remove("metadata");
        }
      }
    }
    return Objects.equals(rsTemplate, wanted);
  }

  private ReplicaSet newReplicaSet(Deployment deployment, String name, String hash, int replicas) {
    PodTemplateSpec template = Serialization.clone(deployment.getSpec().getTemplate());
    if (template.getMetadata() == null) {
      template.setMetadata(new ObjectMeta());
    }
    Map<String, String> podLabels = new LinkedHashMap<>(labels(template.getMetadata()));
    podLabels.put(POD_TEMPLATE_HASH, hash);
    template.getMetadata().setLabels(podLabels);
    LabelSelector selector =
        new LabelSelectorBuilder(Serialization.clone(deployment.getSpec().getSelector()))
            .addToMatchLabels(POD_TEMPLATE_HASH, hash)
            .build();
    return new ReplicaSetBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(deployment.getMetadata().getNamespace())
        .withLabels(podLabels)
        .addToAnnotations("deployment.kubernetes.io/revision", "1")
        .addToAnnotations("deployment.kubernetes.io/desired-replicas", String.valueOf(replicas))
        .withOwnerReferences(Pods.controllerReference(deployment))
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withMinReadySeconds(deployment.getSpec().getMinReadySeconds())
        .withSelector(selector)
        .withTemplate(template)
        .endSpec()
        .build();
  }

  private void scale(ReplicaSet rs, int replicas) {
    client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).withName(rs.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("spec", Map.of("replicas", replicas))));
  }

  private void writeStatus(Deployment deployment, List<ReplicaSet> owned, ReplicaSet current, int wanted) {
    int replicas = 0;
    int ready = 0;
    int available = 0;
    for (ReplicaSet rs : owned) {
      if (rs.getStatus() != null) {
        replicas += value(rs.getStatus().getReplicas());
        ready += value(rs.getStatus().getReadyReplicas());
        available += value(rs.getStatus().getAvailableReplicas());
      }
    }
    int updated = current == null || current.getStatus() == null ? 0 : value(current.getStatus().getReplicas());
    boolean minimumAvailable = available >= wanted;
    Map<String, Object> availableCondition = new LinkedHashMap<>();
    availableCondition.put("type", "Available");
    availableCondition.put("status", minimumAvailable ? "True" : "False");
    availableCondition.put("reason", minimumAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable");
    availableCondition.put(
        "message", minimumAvailable ? "Deployment has minimum availability." : "Deployment does not have minimum availability.");
    availableCondition.put("lastTransitionTime", "");
    availableCondition.put("lastUpdateTime", "");
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("observedGeneration", deployment.getMetadata().getGeneration());
    status.put("replicas", replicas);
    status.put("updatedReplicas", updated);
    status.put("readyReplicas", ready);
    status.put("availableReplicas", available);
    status.put("unavailableReplicas", Math.max(0, wanted - available));
    status.put("conditions", WorkloadStatus.conditions(deployment.getStatus(), List.of(availableCondition)));
    WorkloadStatus.updateIfChanged(client, deployment, status);
  }

  private static int value(Integer i) {
    return i == null ? 0 : i;
  }

  private static Map<String, String> labels(ObjectMeta meta) {
    return meta == null || meta.getLabels() == null ? Map.of() : meta.getLabels();
  }
}
