package dev.runbook.simulator.controllers;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * StatefulSet pods {@code <sts>-0..N-1} with stable names. A deleted pod comes back under THE SAME NAME but with a
 * new UID, and only once the old pod is really gone (a drain must therefore follow pods by UID, not by name).
 * {@code OrderedReady} (the default) creates pod i only when pods 0..i-1 are Running and Ready and removes surplus
 * pods from the highest ordinal one at a time; {@code Parallel} does both at once.
 */
public final class StatefulSetController extends InformingController {
  static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
  static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
  static final String REVISION_LABEL = "controller-revision-hash";

  private SharedIndexInformer<StatefulSet> statefulSets;
  private SharedIndexInformer<Pod> pods;
  private final Expectations creations = new Expectations();

  @Override
  public String name() {
    return "statefulset-controller";
  }

  @Override
  public String process() {
    return KUBE_CONTROLLER_MANAGER;
  }

  @Override
  protected void startInformers() {
    statefulSets = inform("apps/v1/statefulsets", c -> c.apps().statefulSets().inAnyNamespace(), sts -> loop.enqueue(Pods.key(sts)));
    pods = inform("pods", c -> c.pods().inAnyNamespace(), this::onPod);
  }

  private void onPod(Pod pod) {
    if (Pods.controllerOf(pod).isPresent()) {
      loop.enqueue(Pods.controllerKey(pod, "StatefulSet"));
    } else if (statefulSets != null) {
      statefulSets.getStore().list().stream()
          .filter(sts -> sts.getMetadata().getNamespace().equals(pod.getMetadata().getNamespace()))
          .filter(sts -> Placement.matches(sts.getSpec().getSelector(), pod.getMetadata().getLabels()))
          .forEach(sts -> loop.enqueue(Pods.key(sts)));
    }
  }

  @Override
  protected void reconcile(String key) {
    StatefulSet sts = statefulSets.getStore().getByKey(key);
    if (sts == null) {
      creations.forgetOwner(key);
      return;
    }
    if (Pods.isTerminating(sts)) {
      return;
    }
    String namespace = sts.getMetadata().getNamespace();
    String name = sts.getMetadata().getName();
    int replicas = sts.getSpec().getReplicas() == null ? 1 : sts.getSpec().getReplicas();
    boolean parallel = "Parallel".equals(sts.getSpec().getPodManagementPolicy());
    Set<String> awaited = creations.awaited(key, podName -> pods.getStore().getByKey(Pods.key(namespace, podName)) != null);
    // the real controller adopts only pods whose name makes them members: <sts>-<ordinal>
    if (Adoption.adoptOrphans(
        client, sts, sts.getSpec().getSelector(), pods.getStore().list(), pod -> pod.getMetadata().getName().matches(java.util.regex.Pattern.quote(name) + "-\\d+"))) {
      return;
    }
    List<Pod> owned =
        pods.getStore().list().stream()
            .filter(p -> namespace.equals(p.getMetadata().getNamespace()) && Pods.isControlledBy(p, sts))
            .toList();

    for (int ordinal = 0; ordinal < replicas; ordinal++) {
      String podName = name + "-" + ordinal;
      Pod pod = pods.getStore().getByKey(Pods.key(namespace, podName));
      if (pod == null) {
        if (!awaited.contains(podName)) {
          createPod(sts, key, ordinal);
        }
        if (!parallel) {
          break; // wait for it to be Running and Ready
        }
      } else if (Pods.isFinished(pod) && Pods.isControlledBy(pod, sts) && !Pods.isTerminating(pod)) {
        deletePod(pod); // a failed or completed pod is replaced, as the real controller does
        if (!parallel) {
          break;
        }
      } else if (!parallel && (Pods.isTerminating(pod) || !Pods.isRunningAndReady(pod))) {
        break;
      }
    }
    removeCondemned(owned, replicas, parallel);
    writeStatus(sts, owned, replicas);
  }

  private void removeCondemned(List<Pod> owned, int replicas, boolean parallel) {
    List<Pod> condemned =
        owned.stream()
            .filter(p -> ordinal(p) >= replicas)
            .sorted(Comparator.comparingInt(StatefulSetController::ordinal).reversed())
            .toList();
    if (condemned.isEmpty()) {
      return;
    }
    if (parallel) {
      condemned.stream().filter(p -> !Pods.isTerminating(p)).forEach(this::deletePod);
    } else if (condemned.stream().noneMatch(Pods::isTerminating)) {
      deletePod(condemned.get(0));
    }
  }

  private void createPod(StatefulSet sts, String key, int ordinal) {
    String podName = sts.getMetadata().getName() + "-" + ordinal;
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(POD_NAME_LABEL, podName);
    labels.put(POD_INDEX_LABEL, String.valueOf(ordinal));
    labels.put(REVISION_LABEL, revision(sts));
    Pod pod = Pods.fromTemplate(sts.getSpec().getTemplate(), sts, podName, labels);
    pod.getSpec().setHostname(podName);
    if (sts.getSpec().getServiceName() != null && !sts.getSpec().getServiceName().isEmpty()) {
      pod.getSpec().setSubdomain(sts.getSpec().getServiceName());
    }
    attachClaims(sts, pod);
    creations.expect(key, podName);
    try {
      client.pods().inNamespace(sts.getMetadata().getNamespace()).resource(pod).create();
    } catch (KubernetesClientException e) {
      creations.forget(key, podName);
      throw e;
    }
  }

  /** volumeClaimTemplates: claim {@code <template>-<pod>} is created once and outlives the pod, as on a cluster. */
  private void attachClaims(StatefulSet sts, Pod pod) {
    List<PersistentVolumeClaim> templates = sts.getSpec().getVolumeClaimTemplates();
    if (templates == null || templates.isEmpty()) {
      return;
    }
    List<Volume> volumes = new ArrayList<>(pod.getSpec().getVolumes() == null ? List.of() : pod.getSpec().getVolumes());
    for (PersistentVolumeClaim template : templates) {
      String volumeName = template.getMetadata().getName();
      String claimName = volumeName + "-" + pod.getMetadata().getName();
      String namespace = sts.getMetadata().getNamespace();
      if (client.persistentVolumeClaims().inNamespace(namespace).withName(claimName).get() == null) {
        PersistentVolumeClaim claim =
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(claimName)
                .withNamespace(namespace)
                .withLabels(template.getMetadata().getLabels())
                .endMetadata()
                .withSpec(template.getSpec())
                .build();
        try {
          client.persistentVolumeClaims().inNamespace(namespace).resource(claim).create();
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) {
            throw e;
          }
        }
      }
      volumes.removeIf(v -> volumeName.equals(v.getName()));
      volumes.add(new VolumeBuilder().withName(volumeName).withNewPersistentVolumeClaim(claimName, false).build());
    }
    pod.getSpec().setVolumes(volumes);
  }

  private void deletePod(Pod pod) {
    client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
  }

  private void writeStatus(StatefulSet sts, List<Pod> owned, int wanted) {
    long ready = owned.stream().filter(p -> !Pods.isTerminating(p) && Pods.isRunningAndReady(p)).count();
    String revision = revision(sts);
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("observedGeneration", sts.getMetadata().getGeneration());
    status.put("replicas", owned.size());
    status.put("readyReplicas", (int) ready);
    status.put("availableReplicas", (int) ready);
    status.put("currentReplicas", owned.size());
    status.put("updatedReplicas", owned.size());
    status.put("currentRevision", revision);
    status.put("updateRevision", revision);
    WorkloadStatus.updateIfChanged(client, sts, status);
  }

  private static String revision(StatefulSet sts) {
    return sts.getMetadata().getName() + "-" + Names.templateHash(sts.getSpec().getTemplate());
  }

  private static int ordinal(Pod pod) {
    String name = pod.getMetadata().getName();
    try {
      return Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
