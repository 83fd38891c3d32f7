package dev.runbook.activities;

import static dev.runbook.activities.NodeMarks.DRAIN_TAINT_EFFECT;
import static dev.runbook.activities.NodeMarks.DRAIN_TAINT_KEY;
import static dev.runbook.activities.NodeMarks.OWNER_ANNOTATION;
import static dev.runbook.activities.NodeMarks.REASON_ANNOTATION;
import static dev.runbook.activities.NodeMarks.WAS_UNSCHEDULABLE_ANNOTATION;

import dev.runbook.workflows.activities.CordonRequest;
import dev.runbook.workflows.activities.CordonResult;
import dev.runbook.workflows.activities.Failures;
import dev.runbook.workflows.activities.NodeActivities;
import dev.runbook.workflows.activities.NodeEventRequest;
import dev.runbook.workflows.activities.NodeSnapshot;
import dev.runbook.workflows.activities.RestoreNodeRequest;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Node reads and changes. Every change is a read-modify-write {@code update} that carries the resourceVersion it read
 * (taints are a list: a merge patch would replace other tools' taints), retried on 409.
 */
public final class NodeActivitiesImpl implements NodeActivities {
  static final String EVENT_NAMESPACE = "default";
  private static final int MAX_CONFLICT_RETRIES = 10;

  private final KubernetesClient client;
  private final Clock clock;

  public NodeActivitiesImpl(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  @Override
  public NodeSnapshot getNode(String nodeName) {
    Node node = ApiFailures.call("get node " + nodeName, () -> client.nodes().withName(nodeName).get());
    if (node == null) {
      return new NodeSnapshot(nodeName, false, false, false, null, List.of());
    }
    List<Taint> taints = taints(node);
    return new NodeSnapshot(
        nodeName,
        true,
        node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable()),
        taints.stream().anyMatch(NodeActivitiesImpl::isDrainTaint),
        annotations(node).get(OWNER_ANNOTATION),
        taints.stream().map(NodeActivitiesImpl::describe).toList());
  }

  @Override
  public CordonResult cordon(CordonRequest request) {
    Boolean wasUnschedulable =
        updateNode(
            request.nodeName(),
            "cordon node " + request.nodeName(),
            node -> {
              Map<String, String> annotations = annotations(node);
              String owner = annotations.get(OWNER_ANNOTATION);
              if (owner != null && !owner.equals(request.workflowId())) {
                throw ApplicationFailure.newNonRetryableFailure(
                    "node " + request.nodeName() + " is already in maintenance by workflow " + owner,
                    Failures.LEASE_HELD);
              }
              // A re-run: what the first run recorded is the truth, the node's current state is our own cordon.
              boolean was =
                  owner != null
                      ? Boolean.parseBoolean(annotations.get(WAS_UNSCHEDULABLE_ANNOTATION))
                      : Boolean.TRUE.equals(node.getSpec().getUnschedulable());
              boolean complete =
                  owner != null
                      && Boolean.TRUE.equals(node.getSpec().getUnschedulable())
                      && taints(node).stream().anyMatch(NodeActivitiesImpl::isDrainTaint);
              if (complete) {
                return new Change<>(false, was);
              }
              annotations.put(OWNER_ANNOTATION, request.workflowId());
              annotations.put(WAS_UNSCHEDULABLE_ANNOTATION, Boolean.toString(was));
              if (request.reason() != null) {
                annotations.put(REASON_ANNOTATION, request.reason());
              }
              node.getMetadata().setAnnotations(annotations);
              node.getSpec().setUnschedulable(true);
              List<Taint> taints = taints(node);
              if (taints.stream().noneMatch(NodeActivitiesImpl::isDrainTaint)) {
                taints.add(
                    new TaintBuilder()
                        .withKey(DRAIN_TAINT_KEY)
                        .withEffect(DRAIN_TAINT_EFFECT)
                        .withTimeAdded(rfc3339(clock.instant()))
                        .build());
              }
              node.getSpec().setTaints(taints);
              return new Change<>(true, was);
            });
    if (wasUnschedulable == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "node " + request.nodeName() + " does not exist", Failures.NODE_NOT_FOUND);
    }
    return new CordonResult(wasUnschedulable);
  }

  @Override
  public void restoreNode(RestoreNodeRequest request) {
    updateNode(
        request.nodeName(),
        "restore node " + request.nodeName(),
        node -> {
          Map<String, String> annotations = annotations(node);
          // No owner: already restored (a retry) or never cordoned; a drain taint left then belongs to someone else.
          if (!request.workflowId().equals(annotations.get(OWNER_ANNOTATION))) {
            return new Change<>(false, Boolean.FALSE);
          }
          annotations.remove(OWNER_ANNOTATION);
          annotations.remove(WAS_UNSCHEDULABLE_ANNOTATION);
          annotations.remove(REASON_ANNOTATION);
          node.getMetadata().setAnnotations(annotations);
          List<Taint> taints = taints(node);
          taints.removeIf(NodeActivitiesImpl::isDrainTaint);
          node.getSpec().setTaints(taints);
          if (request.uncordon()) {
            node.getSpec().setUnschedulable(null);
          }
          return new Change<>(true, Boolean.TRUE);
        });
  }

  @Override
  public void emitNodeEvent(NodeEventRequest request) {
    Node node =
        ApiFailures.call("get node " + request.nodeName(), () -> client.nodes().withName(request.nodeName()).get());
    String now = rfc3339(clock.instant());
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withName(eventName(request))
            .withNamespace(EVENT_NAMESPACE)
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion("v1")
            .withKind("Node")
            .withName(request.nodeName())
            .withUid(node == null ? null : node.getMetadata().getUid())
            .endInvolvedObject()
            .withReason(request.reason().name())
            .withMessage(request.message())
            .withType(request.warning() ? "Warning" : "Normal")
            .withNewSource()
            .withComponent(NodeMarks.COMPONENT)
            .endSource()
            .withReportingComponent(NodeMarks.COMPONENT)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .build();
    try {
      client.v1().events().inNamespace(EVENT_NAMESPACE).resource(event).create();
    } catch (KubernetesClientException e) {
      if (!ApiFailures.isConflict(e)) { // 409 AlreadyExists: an earlier attempt of this very emit got through
        throw ApiFailures.translate("emit event " + request.reason() + " on node " + request.nodeName(), e);
      }
    }
  }

  /** Same dedupKey, same name: a retried emit is a 409, not a second event. */
  static String eventName(NodeEventRequest request) {
    String key = request.dedupKey() != null ? request.dedupKey() : request.reason() + "/" + request.message();
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      String prefix = request.nodeName().length() > 200 ? request.nodeName().substring(0, 200) : request.nodeName();
      return prefix + "." + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  private record Change<T>(boolean write, T result) {}

  /** Returns null when the node does not exist. */
  private <T> T updateNode(String nodeName, String action, Function<Node, Change<T>> modify) {
    for (int attempt = 1; ; attempt++) {
      Node node = ApiFailures.call(action, () -> client.nodes().withName(nodeName).get());
      if (node == null) {
        return null;
      }
      if (node.getSpec() == null) {
        node.setSpec(new NodeSpec());
      }
      Change<T> change = modify.apply(node);
      if (!change.write()) {
        return change.result();
      }
      try {
        client.nodes().resource(node).update(); // carries the resourceVersion we read: 409 if anyone wrote since
        return change.result();
      } catch (KubernetesClientException e) {
        if (ApiFailures.isNotFound(e)) {
          return null;
        }
        if (!ApiFailures.isConflict(e) || attempt >= MAX_CONFLICT_RETRIES) {
          throw ApiFailures.translate(action, e);
        }
      }
    }
  }

  static Map<String, String> annotations(Node node) {
    return new LinkedHashMap<>(
        Optional.ofNullable(node.getMetadata().getAnnotations()).orElse(Map.of()));
  }

  static List<Taint> taints(Node node) {
    return new ArrayList<>(
        Optional.ofNullable(node.getSpec()).map(NodeSpec::getTaints).orElse(List.of()));
  }

  static boolean isDrainTaint(Taint taint) {
    return DRAIN_TAINT_KEY.equals(taint.getKey()) && DRAIN_TAINT_EFFECT.equals(taint.getEffect());
  }

  private static String describe(Taint taint) {
    return taint.getKey() + (taint.getValue() == null ? "" : "=" + taint.getValue()) + ":" + taint.getEffect();
  }

  static String rfc3339(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
