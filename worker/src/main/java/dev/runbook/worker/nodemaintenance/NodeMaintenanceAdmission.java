package dev.runbook.worker.nodemaintenance;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GroupVersionResource;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides one AdmissionReview ({@code admission.k8s.io/v1}) for a NodeMaintenance with {@link NodeMaintenanceRules},
 * reading the cluster as it is now: the node, and the NodeMaintenances of both groups.
 */
final class NodeMaintenanceAdmission {
  static final String API_VERSION = "admission.k8s.io/v1";
  private static final Logger log = LoggerFactory.getLogger(NodeMaintenanceAdmission.class);
  private static final int FORBIDDEN = 403;
  private static final int INTERNAL_ERROR = 500;

  private final KubernetesClient client;

  NodeMaintenanceAdmission(KubernetesClient client) {
    this.client = client;
  }

  /** A request the API server would never send: answered with HTTP 400 and this message. */
  static final class MalformedReview extends RuntimeException {
    MalformedReview(String message) {
      super(message);
    }
  }

  /** The AdmissionReview (JSON) that answers {@code body}. */
  String review(String body) {
    AdmissionRequest request = parse(body).getRequest();
    AdmissionResponse response = decide(request);
    return Serialization.asJson(
        new AdmissionReviewBuilder().withApiVersion(API_VERSION).withKind("AdmissionReview").withResponse(response).build());
  }

  private static AdmissionReview parse(String body) {
    if (body.isBlank()) {
      throw new MalformedReview("empty body: expected an " + API_VERSION + " AdmissionReview (JSON)");
    }
    AdmissionReview review;
    try {
      review = Serialization.unmarshal(body, AdmissionReview.class);
    } catch (RuntimeException e) {
      throw new MalformedReview("not an " + API_VERSION + " AdmissionReview: the body is not valid JSON (" + rootMessage(e) + ")");
    }
    if (review == null) {
      throw new MalformedReview("empty body: expected an " + API_VERSION + " AdmissionReview (JSON)");
    }
    if (!API_VERSION.equals(review.getApiVersion()) || !"AdmissionReview".equals(review.getKind())) {
      throw new MalformedReview(
          "expected apiVersion " + API_VERSION + ", kind AdmissionReview, got apiVersion " + review.getApiVersion()
              + ", kind " + review.getKind() + ": list only v1 in the webhook's admissionReviewVersions");
    }
    AdmissionRequest request = review.getRequest();
    if (request == null) {
      throw new MalformedReview("the AdmissionReview has no request");
    }
    if (request.getUid() == null || request.getUid().isBlank()) {
      throw new MalformedReview("the AdmissionReview's request has no uid");
    }
    return review;
  }

  private AdmissionResponse decide(AdmissionRequest request) {
    GroupVersionResource resource = request.getResource();
    String group = resource == null ? null : resource.getGroup();
    if (resource == null
        || !NodeMaintenanceResources.PLURAL.equals(resource.getResource())
        || !NodeMaintenanceResources.GROUPS.contains(group)) {
      // A ValidatingWebhookConfiguration that routes other resources here is a mistake to show, not to wave through.
      return refused(
          request,
          INTERNAL_ERROR,
          "this webhook validates only " + NodeMaintenanceResources.PLURAL + " in " + NodeMaintenanceResources.GROUPS
              + ", not " + describe(resource) + ": fix the ValidatingWebhookConfiguration's rules");
    }
    String operation = request.getOperation() == null ? "" : request.getOperation();
    Optional<String> refusal;
    try {
      refusal =
          switch (operation) {
            case "CREATE" -> refuseCreate(nodeMaintenance(request.getObject(), "object", operation));
            case "UPDATE" ->
                NodeMaintenanceRules.refuseUpdate(
                    nodeMaintenance(request.getOldObject(), "oldObject", operation),
                    nodeMaintenance(request.getObject(), "object", operation));
            default -> Optional.empty(); // DELETE / CONNECT: nothing to check (and not registered for)
          };
    } catch (KubernetesClientException e) {
      log.warn("cannot check {} {}: {}", operation, request.getName(), e.getMessage());
      return refused(
          request,
          INTERNAL_ERROR,
          "the NodeMaintenance webhook could not read the cluster to check this request (HTTP " + e.getCode() + ": "
              + firstLine(e.getMessage()) + "); retry, and check the worker's RBAC (deploy/rbac.yaml) if it "
              + "persists");
    }
    if (refusal.isPresent()) {
      log.info("refused {} of {} {}: {}", operation, group, request.getName(), refusal.get());
      return refused(request, FORBIDDEN, refusal.get());
    }
    return new AdmissionResponseBuilder().withUid(request.getUid()).withAllowed(true).build();
  }

  private Optional<String> refuseCreate(GenericKubernetesResource incoming) {
    // The candidate is not stored yet, whatever it claims: it loses to every stored resource for its node. The API
    // server has already stamped its creationTimestamp, and a stored one of the same second could sort after it by
    // name; and a workflow-id annotation copied from another resource must not let it jump the queue.
    GenericKubernetesResource candidate = Serialization.clone(incoming);
    candidate.getMetadata().setCreationTimestamp(null);
    if (candidate.getMetadata().getAnnotations() != null) {
      var annotations = new HashMap<>(candidate.getMetadata().getAnnotations());
      annotations.remove(NodeMaintenanceResources.WORKFLOW_ID_ANNOTATION);
      candidate.getMetadata().setAnnotations(annotations);
    }
    return NodeMaintenanceRules.refuseCreate(candidate, this::nodeExists, existing());
  }

  private boolean nodeExists(String name) {
    return client.nodes().withName(name).get() != null;
  }

  private List<GenericKubernetesResource> existing() {
    List<GenericKubernetesResource> all = new ArrayList<>();
    for (ResourceDefinitionContext context : NodeMaintenanceResources.contexts()) {
      try {
        all.addAll(client.genericKubernetesResources(context).list().getItems());
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) { // 404: that group's CRD is not installed, so it holds none
          throw e;
        }
      }
    }
    return all;
  }

  private static GenericKubernetesResource nodeMaintenance(Object object, String field, String operation) {
    if (object == null) {
      throw new MalformedReview("the " + operation + " request has no " + field);
    }
    GenericKubernetesResource resource;
    if (object instanceof GenericKubernetesResource generic) {
      resource = generic;
    } else {
      // fabric8 picks a typed model by apiVersion and kind; a NodeMaintenance has none, anything else is not one
      try {
        resource = Serialization.unmarshal(Serialization.asJson(object), GenericKubernetesResource.class);
      } catch (RuntimeException e) {
        throw new MalformedReview("the " + operation + " request's " + field + " is not an object: " + rootMessage(e));
      }
    }
    if (resource == null || resource.getMetadata() == null) {
      throw new MalformedReview("the " + operation + " request's " + field + " has no metadata");
    }
    return resource;
  }

  private static AdmissionResponse refused(AdmissionRequest request, int code, String message) {
    Status status =
        new StatusBuilder()
            .withStatus("Failure")
            .withCode(code)
            .withReason(code == FORBIDDEN ? "Forbidden" : "InternalError")
            .withMessage(message)
            .build();
    return new AdmissionResponseBuilder().withUid(request.getUid()).withAllowed(false).withStatus(status).build();
  }

  private static String describe(GroupVersionResource resource) {
    if (resource == null) {
      return "a request without resource";
    }
    return resource.getResource() + "." + resource.getGroup() + "/" + resource.getVersion();
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return firstLine(root.getMessage());
  }

  /** Messages from Jackson and the API span lines and can be long: a refusal shows the first line. */
  private static String firstLine(String message) {
    if (message == null) {
      return "no detail";
    }
    String line = message.strip().lines().findFirst().orElse("");
    return line.length() <= 300 ? line : line.substring(0, 300) + "…";
  }
}
