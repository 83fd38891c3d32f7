package dev.runbook.activities;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/** Kubernetes objects as scenarios need them, built the way the API server would store them. */
final class Fixtures {
  private Fixtures() {}

  /**
   * An activity test environment running the drain activities against {@code cluster}, which gets the node
   * worker-1. {@code blockedRetry} is how long a blocked eviction waits between tries without a PDB change.
   */
  static TestActivityEnvironment drainEnvironment(TestCluster cluster, Duration blockedRetry) {
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(
        new DrainActivitiesImpl(cluster.client, cluster.clients.evictionClient(), Clock.systemUTC(), blockedRetry));
    cluster.client.nodes().resource(node("worker-1")).create();
    return env;
  }

  /** One attempt, so a test sees the activity's own failure instead of a retry of it. */
  static final ActivityOptions ONE_ATTEMPT =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(2))
          .setHeartbeatTimeout(Duration.ofSeconds(5))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
          .build();

  static Node node(String name) {
    return new NodeBuilder().withNewMetadata().withName(name).withUid(UUID.randomUUID().toString()).endMetadata().withNewSpec().endSpec().build();
  }

  static PodBuilder pod(String namespace, String name, String node) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .withUid(UUID.randomUUID().toString())
        .endMetadata()
        .withNewSpec()
        .withNodeName(node)
        .addNewContainer()
        .withName("main")
        .withImage("registry.example/app:1")
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .endStatus();
  }

  static PodBuilder ownedBy(PodBuilder pod, String kind, String name) {
    return pod.editMetadata()
        .addToOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion(kind.equals("VirtualMachineInstance") ? "kubevirt.io/v1" : "apps/v1")
                .withKind(kind)
                .withName(name)
                .withUid(UUID.randomUUID().toString())
                .withController(true)
                .build())
        .endMetadata();
  }

  static Pod replicaSetPod(String namespace, String name, String node, Map<String, String> labels) {
    return ownedBy(pod(namespace, name, node), "ReplicaSet", name + "-rs").editMetadata().withLabels(labels).endMetadata().build();
  }

  static PodDisruptionBudget pdb(String namespace, String name, Map<String, String> matchLabels, int disruptionsAllowed) {
    return new PodDisruptionBudgetBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .withMatchLabels(matchLabels)
        .endSelector()
        .withNewMinAvailable(1)
        .endSpec()
        .withNewStatus()
        .withObservedGeneration(1L)
        .withDisruptionsAllowed(disruptionsAllowed)
        .withCurrentHealthy(1)
        .withDesiredHealthy(1)
        .withExpectedPods(1)
        .endStatus()
        .build();
  }

  static void namespace(KubernetesClient client, String name) {
    if (client.namespaces().withName(name).get() == null) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    }
  }

  /**
   * Creates the object, then writes its status through the status subresource, as the controller that owns it would:
   * the API server resets the status of whatever is created.
   */
  static <T extends HasMetadata> T createWithStatus(KubernetesClient client, T object, Object status) {
    namespace(client, object.getMetadata().getNamespace());
    T created = client.resource(object).create();
    if (status == null) {
      return created;
    }
    return client
        .resource(created)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), client.getKubernetesSerialization().asJson(Map.of("status", status)));
  }

  static Pod create(KubernetesClient client, Pod pod) {
    return createWithStatus(client, pod, pod.getStatus());
  }

  static PodDisruptionBudget create(KubernetesClient client, PodDisruptionBudget pdb) {
    return createWithStatus(client, pdb, pdb.getStatus());
  }

  static void setDisruptionsAllowed(KubernetesClient client, String namespace, String name, int allowed) {
    client
        .policy()
        .v1()
        .podDisruptionBudget()
        .inNamespace(namespace)
        .withName(name)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"disruptionsAllowed\":" + allowed + "}}");
  }

  /** The ApplicationFailure type an activity call failed with. */
  static String failureType(ActivityFailure failure) {
    return ((ApplicationFailure) failure.getCause()).getType();
  }

  static boolean nonRetryable(ActivityFailure failure) {
    return ((ApplicationFailure) failure.getCause()).isNonRetryable();
  }
}
