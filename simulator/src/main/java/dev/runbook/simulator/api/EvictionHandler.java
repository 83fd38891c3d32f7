package dev.runbook.simulator.api;

import dev.runbook.simulator.EvictionAdmitter;
import dev.runbook.simulator.SimAnnotations;
import dev.runbook.simulator.SimContext;
import dev.runbook.simulator.Scorekeeper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code pods/eviction} subresource, following the apiserver's EvictionREST: admission hooks first (KubeVirt's
 * webhook), then the PodDisruptionBudget check-and-decrement and the pod's deletion under one store lock, so two
 * concurrent evictions can never both take the last disruption.
 */
public final class EvictionHandler {
  static final String MULTIPLE_PDBS =
      "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.";
  static final String WOULD_VIOLATE = "Cannot evict pod as it would violate the pod's disruption budget.";

  private final ResourceStore store;
  private final ResourceType pods;
  private final ResourceType pdbs;
  private final List<EvictionAdmitter> admitters;
  private final Supplier<KubernetesClient> admitterClient;
  private final SimContext context;
  private final Scorekeeper score;
  private final Map<String, Integer> faultsServed = new ConcurrentHashMap<>();

  public EvictionHandler(
      ResourceStore store, List<EvictionAdmitter> admitters, Supplier<KubernetesClient> admitterClient,
      SimContext context) {
    this.store = store;
    this.pods = store.registry().find("", "v1", "pods").orElseThrow();
    this.pdbs = store.registry().find("policy", "v1", "poddisruptionbudgets").orElseThrow();
    this.admitters = List.copyOf(admitters);
    this.admitterClient = admitterClient;
    this.context = context;
    this.score = context.score();
  }

  /** @return the HTTP code and Status body */
  public ApiResponse evict(String namespace, String name, JsonNode eviction) {
    String uid = "";
    try {
      String bodyName = Json.text(eviction, "metadata.name");
      if (!bodyName.isEmpty() && !bodyName.equals(name)) {
        throw ApiException.badRequest("name in URL does not match name in Eviction object");
      }
      DeleteOptions options = DeleteOptions.from(eviction.path("deleteOptions"), null, null);
      ObjectNode pod = store.getOrThrow(pods, namespace, name);
      uid = Json.text(pod, "metadata.uid");
      injectedFault(namespace, name, uid, pod);
      admit(pod);
      return store.atomically(() -> decideAndDelete(namespace, name, options));
    } catch (ApiException e) {
      String pdb = e instanceof PdbRefusal refusal ? refusal.pdb : null;
      score.eviction(namespace, name, uid, e.code(), pdb, e.getMessage());
      return new ApiResponse(e.code(), e.toStatus());
    }
  }

  private void injectedFault(String namespace, String name, String uid, ObjectNode pod) {
    String annotation = pod.path("metadata").path("annotations").path(SimAnnotations.EVICTION_FAULTS).asString("");
    if (annotation.isEmpty()) {
      return;
    }
    int faults = Integer.parseInt(annotation.trim());
    int served = faultsServed.merge(namespace + "/" + name + "/" + uid, 1, Integer::sum);
    if (served <= faults) {
      throw new ApiException(500, "InternalError", "Internal error occurred: injected fault " + served + " of "
          + faults + " (" + SimAnnotations.EVICTION_FAULTS + ")");
    }
  }

  private void admit(ObjectNode pod) {
    if (admitters.isEmpty()) {
      return;
    }
    Pod typed = Json.convert(pod, Pod.class);
    for (EvictionAdmitter admitter : admitters) {
      // Outside the store lock: an admitter may call back into this apiserver through its client.
      Optional<EvictionAdmitter.Denial> denial = admitter.admit(typed, admitterClient.get(), context);
      if (denial.isPresent()) {
        int code = denial.get().code();
        String reason =
            switch (code) {
              case 429 -> "TooManyRequests";
              case 403 -> "Forbidden";
              case 400 -> "BadRequest";
              case 409 -> "Conflict";
              default -> "InternalError";
            };
        throw new ApiException(code, reason, denial.get().message());
      }
    }
  }

  private ApiResponse decideAndDelete(String namespace, String name, DeleteOptions options) {
    ObjectNode pod = store.getOrThrow(pods, namespace, name);
    String uid = Json.text(pod, "metadata.uid");
    if (options.preconditionUid() != null && !options.preconditionUid().equals(uid)) {
      throw ApiException.conflict(
          pods, name, "Precondition failed: UID in precondition: " + options.preconditionUid()
              + ", UID in object meta: " + uid);
    }
    if (canIgnorePdb(pod)) {
      return deleted(namespace, name, uid, null, options);
    }
    Map<String, String> labels = Selectors.labelsOf(pod);
    List<ObjectNode> matching =
        store.list(pdbs, namespace, p -> Selectors.matches(p.path("spec").get("selector"), labels));
    if (matching.size() > 1) {
      throw new ApiException(500, "InternalError", MULTIPLE_PDBS);
    }
    if (matching.isEmpty()) {
      return deleted(namespace, name, uid, null, options);
    }
    ObjectNode pdb = matching.get(0);
    String pdbName = Json.text(pdb, "metadata.name");
    String pdbRef = namespace + "/" + pdbName;
    JsonNode status = pdb.path("status");
    int allowed = status.path("disruptionsAllowed").asInt(0);
    if (!isReady(pod)) {
      String policy = pdb.path("spec").path("unhealthyPodEvictionPolicy").asString("IfHealthyBudget");
      int currentHealthy = status.path("currentHealthy").asInt(0);
      int desiredHealthy = status.path("desiredHealthy").asInt(0);
      if (policy.equals("AlwaysAllow") || (currentHealthy >= desiredHealthy && desiredHealthy > 0)) {
        // An unready pod does not count as healthy, so evicting it costs the budget nothing.
        score.pdbDecision(namespace, pdbName, name, true, allowed);
        return deleted(namespace, name, uid, pdbRef, options);
      }
    }
    if (status.path("observedGeneration").asLong(0) < pdb.path("metadata").path("generation").asLong(1)) {
      score.pdbDecision(namespace, pdbName, name, false, allowed);
      throw tooManyRequests(pdbRef, "The disruption budget " + pdbName + " is still being processed by the server.");
    }
    if (allowed < 0) {
      score.pdbDecision(namespace, pdbName, name, false, allowed);
      throw new PdbRefusal(
          403, "Forbidden", "poddisruptionbudgets.policy \"" + pdbName + "\" is forbidden: pdb disruptions allowed "
              + "is negative", pdbRef, null);
    }
    if (allowed == 0) {
      score.pdbDecision(namespace, pdbName, name, false, allowed);
      throw tooManyRequests(
          pdbRef, "The disruption budget " + pdbName + " needs " + status.path("desiredHealthy").asInt(0)
              + " healthy pods and has " + status.path("currentHealthy").asInt(0) + " currently");
    }
    ObjectNode newStatus = status.isObject() ? (ObjectNode) status.deepCopy() : Json.object();
    newStatus.put("disruptionsAllowed", allowed - 1);
    newStatus.withObjectProperty("disruptedPods").put(name, Json.now());
    if (allowed - 1 == 0) {
      markInsufficient(newStatus);
    }
    ObjectNode updated = pdb.deepCopy();
    updated.set("status", newStatus);
    store.update(pdbs, namespace, pdbName, updated, ResourceStore.Scope.STATUS);
    score.pdbDecision(namespace, pdbName, name, true, allowed);
    ApiResponse answer = deleted(namespace, name, uid, pdbRef, options);
    checkBudgetHeld(updated);
    return answer;
  }

  private ApiResponse deleted(String namespace, String name, String uid, String pdb, DeleteOptions options) {
    ObjectNode gone = store.delete(pods, namespace, name, options);
    String goneUid = Json.text(gone, "metadata.uid");
    if (options.preconditionUid() != null && !options.preconditionUid().equals(goneUid)) {
      score.violation(
          "pod evicted after it was replaced",
          namespace + "/" + name + " eviction for uid " + options.preconditionUid() + " reached uid " + goneUid);
    }
    score.eviction(namespace, name, uid, 201, pdb, "Success");
    return new ApiResponse(201, ApiException.status(201, "Success", null, null, null));
  }

  /** After a disruption was granted: no more pods of the budget may be down than it allows. */
  private void checkBudgetHeld(ObjectNode pdb) {
    String namespace = Json.text(pdb, "metadata.namespace");
    JsonNode spec = pdb.path("spec");
    List<ObjectNode> selected =
        store.list(pods, namespace, p -> Selectors.matches(spec.get("selector"), Selectors.labelsOf(p)));
    long healthy = selected.stream().filter(p -> isReady(p) && !p.path("metadata").has("deletionTimestamp")).count();
    // A terminating pod whose replacement already runs is not one more pod the budget expects: counting it made a
    // drain that Kubernetes allows (one terminating, its replacement Ready, the next one evicted) look like an overrun.
    long present = selected.stream().filter(p -> !p.path("metadata").has("deletionTimestamp")).count();
    int expected = (int) Math.max(pdb.path("status").path("expectedPods").asInt(0), present);
    long unavailable = expected - healthy;
    String name = namespace + "/" + Json.text(pdb, "metadata.name");
    if (spec.has("maxUnavailable")) {
      long max = scaled(spec.get("maxUnavailable"), expected);
      if (unavailable > max) {
        score.violation("PDB overrun", name + ": " + unavailable + " of " + expected
            + " pods unavailable, maxUnavailable " + spec.get("maxUnavailable").asString());
      }
    } else if (spec.has("minAvailable")) {
      long min = scaled(spec.get("minAvailable"), expected);
      if (healthy < min) {
        score.violation("PDB overrun", name + ": " + healthy + " of " + expected + " pods healthy, minAvailable "
            + spec.get("minAvailable").asString());
      }
    }
    if (pdb.path("status").path("disruptionsAllowed").asInt(0) < 0) {
      score.violation("PDB overrun", name + ": disruptionsAllowed below 0");
    }
  }

  private static long scaled(JsonNode intOrPercent, int total) {
    String text = intOrPercent.asString();
    if (text.endsWith("%")) {
      return (long) Math.ceil(total * Integer.parseInt(text.substring(0, text.length() - 1)) / 100.0);
    }
    return Long.parseLong(text);
  }

  private static void markInsufficient(ObjectNode status) {
    tools.jackson.databind.node.ArrayNode conditions = status.withArrayProperty("conditions");
    ObjectNode condition = null;
    for (JsonNode c : conditions) {
      if ("DisruptionAllowed".equals(c.path("type").asString(""))) {
        condition = (ObjectNode) c;
      }
    }
    if (condition == null) {
      condition = conditions.addObject();
      condition.put("type", "DisruptionAllowed");
    }
    condition.put("status", "False");
    condition.put("reason", "InsufficientPods");
    condition.put("message", "");
    condition.put("lastTransitionTime", Json.now());
  }

  /** Terminal, pending or already terminating pods: evicting them disrupts nothing more (EvictionREST). */
  private static boolean canIgnorePdb(ObjectNode pod) {
    String phase = Json.text(pod, "status.phase");
    return phase.equals("Succeeded") || phase.equals("Failed") || phase.equals("Pending")
        || pod.path("metadata").has("deletionTimestamp");
  }

  static boolean isReady(JsonNode pod) {
    for (JsonNode condition : pod.path("status").path("conditions")) {
      if ("Ready".equals(condition.path("type").asString("")) && "True".equals(condition.path("status").asString(""))) {
        return true;
      }
    }
    return false;
  }

  private static PdbRefusal tooManyRequests(String pdbRef, String cause) {
    ObjectNode details = Json.object();
    ObjectNode c = details.putArray("causes").addObject();
    c.put("reason", "DisruptionBudget");
    c.put("message", cause);
    return new PdbRefusal(429, "TooManyRequests", WOULD_VIOLATE, pdbRef, details);
  }

  /** A refusal that names the PDB, so the score shows which budget said no. */
  private static final class PdbRefusal extends ApiException {
    private final String pdb;

    PdbRefusal(int code, String reason, String message, String pdb, ObjectNode details) {
      super(code, reason, message, details);
      this.pdb = pdb;
    }
  }
}
