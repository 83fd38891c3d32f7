package dev.runbook.simulator.api;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The simulated apiserver's storage: every object as JSON, one cluster-wide resourceVersion counter, an event
 * history for watches that resume from a resourceVersion, graceful pod deletion and background garbage
 * collection. One lock serialises every change, so a caller can make a check-and-act atomic with
 * {@link #atomically}.
 */
public final class ResourceStore {
  private static final int HISTORY = 10_000;

  private final ReentrantLock lock = new ReentrantLock();
  private final ResourceRegistry registry;
  private final Map<String, Map<String, ObjectNode>> objects = new HashMap<>();
  private final Map<String, String[]> byUid = new HashMap<>();
  private final Deque<StoredEvent> history = new ArrayDeque<>();
  private final List<WatchSink> watches = new CopyOnWriteArrayList<>();
  private long resourceVersion = 100;
  /** Set while a dry-run request runs (under the lock): changes are computed and answered, never kept. */
  private boolean dryRun;

  private record StoredEvent(long rv, String storageKey, String namespace, String type, ObjectNode object,
      ObjectNode old) {}

  public ResourceStore(ResourceRegistry registry) {
    this.registry = registry;
  }

  public ResourceRegistry registry() {
    return registry;
  }

  public <T> T atomically(Supplier<T> action) {
    lock.lock();
    try {
      return action.get();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Run a change as the apiserver runs {@code ?dryRun=All}: validated and answered as if done, but nothing is
   * stored, no resourceVersion is used up, no watch event is sent and no dependent is collected.
   */
  public <T> T dryRun(Supplier<T> change) {
    return atomically(
        () -> {
          boolean outer = dryRun;
          dryRun = true;
          try {
            return change.get();
          } finally {
            dryRun = outer;
          }
        });
  }

  public long currentVersion() {
    return atomically(() -> resourceVersion);
  }

  private static String key(String namespace, String name) {
    return (namespace == null ? "" : namespace) + "/" + name;
  }

  private Map<String, ObjectNode> bucket(ResourceType type) {
    return objects.computeIfAbsent(type.storageKey(), k -> new LinkedHashMap<>());
  }

  public Optional<ObjectNode> get(ResourceType type, String namespace, String name) {
    return atomically(
        () -> Optional.ofNullable(bucket(type).get(key(ns(type, namespace), name))).map(o -> view(type, o)));
  }

  public ObjectNode getOrThrow(ResourceType type, String namespace, String name) {
    return get(type, namespace, name).orElseThrow(() -> ApiException.notFound(type, name));
  }

  public List<ObjectNode> list(ResourceType type, String namespace, Predicate<JsonNode> filter) {
    return atomically(
        () -> {
          List<ObjectNode> result = new ArrayList<>();
          for (ObjectNode object : bucket(type).values()) {
            if (inNamespace(type, object, namespace) && filter.test(object)) {
              result.add(view(type, object));
            }
          }
          result.sort(
              java.util.Comparator.comparing((ObjectNode o) -> Json.text(o, "metadata.namespace"))
                  .thenComparing(o -> Json.text(o, "metadata.name")));
          return result;
        });
  }

  private static boolean inNamespace(ResourceType type, JsonNode object, String namespace) {
    return namespace == null || !type.namespaced() || namespace.equals(Json.text(object, "metadata.namespace"));
  }

  private static String ns(ResourceType type, String namespace) {
    return type.namespaced() ? namespace : null;
  }

  /** A copy carrying the apiVersion of the version it is read through. */
  private static ObjectNode view(ResourceType type, ObjectNode stored) {
    ObjectNode copy = stored.deepCopy();
    copy.put("apiVersion", type.apiVersion());
    copy.put("kind", type.kind());
    return copy;
  }

  // ---------------------------------------------------------------- create

  /** Create over the API: the server owns metadata, and status starts as the apiserver's strategy sets it. */
  public ObjectNode create(ResourceType type, String namespace, JsonNode body) {
    return create(type, namespace, body, false);
  }

  /**
   * @param keepStatus load a scenario object as it is written (pre-placed Running pods, PDB status), as if the
   *     controllers had already acted.
   */
  public ObjectNode create(ResourceType type, String namespace, JsonNode body, boolean keepStatus) {
    if (!body.isObject()) {
      throw ApiException.badRequest("the body of the request was not an object");
    }
    ObjectNode object = ((ObjectNode) body).deepCopy();
    ObjectNode metadata = Json.metadata(object);
    String bodyNamespace = Json.text(object, "metadata.namespace");
    if (type.namespaced()) {
      if (namespace == null || namespace.isEmpty()) {
        namespace = bodyNamespace.isEmpty() ? "default" : bodyNamespace;
      }
      if (!bodyNamespace.isEmpty() && !bodyNamespace.equals(namespace)) {
        throw ApiException.badRequest(
            "the namespace of the provided object does not match the namespace sent on the request");
      }
      metadata.put("namespace", namespace);
    } else {
      metadata.remove("namespace");
    }
    String ns = ns(type, namespace);
    return atomically(
        () -> {
          String name = Json.text(object, "metadata.name");
          if (name.isEmpty()) {
            String generate = Json.text(object, "metadata.generateName");
            if (generate.isEmpty()) {
              throw ApiException.invalid(type, "", "metadata.name: Required value: name or generateName is required");
            }
            do {
              name = generate + randomSuffix();
            } while (bucket(type).containsKey(key(ns, name)));
            metadata.put("name", name);
          }
          if (type.namespaced() && !namespaceExists(ns)) {
            throw new ApiException(
                404, "NotFound", "namespaces \"" + ns + "\" not found",
                ApiException.details(namespaceType(), ns));
          }
          if (bucket(type).containsKey(key(ns, name))) {
            throw ApiException.alreadyExists(type, name);
          }
          metadata.put("uid", UUID.randomUUID().toString());
          if (!keepStatus || !metadata.has("creationTimestamp")) {
            metadata.put("creationTimestamp", Json.now());
          }
          metadata.put("generation", 1);
          metadata.remove("deletionTimestamp");
          metadata.remove("deletionGracePeriodSeconds");
          object.put("apiVersion", type.apiVersion());
          object.put("kind", type.kind());
          defaults(type, object, keepStatus);
          pruneAndValidate(type, object);
          store(type, object, "ADDED", null);
          return view(type, object);
        });
  }

  private static String randomSuffix() {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      s.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
    }
    return s.toString();
  }

  private void defaults(ResourceType type, ObjectNode object, boolean keepStatus) {
    String kind = type.kind();
    if (type.group().isEmpty() && kind.equals("Pod")) {
      ObjectNode spec = object.withObjectProperty("spec");
      if (!spec.has("terminationGracePeriodSeconds")) {
        spec.put("terminationGracePeriodSeconds", 30);
      }
      if (!spec.has("restartPolicy")) {
        spec.put("restartPolicy", "Always");
      }
      if (!spec.has("schedulerName")) {
        spec.put("schedulerName", "default-scheduler");
      }
      if (!keepStatus || !object.has("status")) {
        ObjectNode status = Json.object();
        status.put("phase", "Pending");
        status.put("qosClass", "BestEffort");
        object.set("status", status);
      }
    } else if (type.group().isEmpty() && kind.equals("Namespace")) {
      object.withObjectProperty("status").put("phase", "Active");
    } else if (kind.equals("CustomResourceDefinition")) {
      ObjectNode status = Json.object();
      status.set("acceptedNames", object.path("spec").path("names").deepCopy());
      ArrayNode conditions = status.putArray("conditions");
      for (String condition : List.of("NamesAccepted", "Established")) {
        ObjectNode c = conditions.addObject();
        c.put("type", condition);
        c.put("status", "True");
        c.put("lastTransitionTime", Json.now());
      }
      object.set("status", status);
      if (!dryRun) {
        registry.register(object);
      }
    } else if (type.hasStatus() && !keepStatus) {
      object.remove("status");
    }
  }

  private boolean namespaceExists(String namespace) {
    return bucket(namespaceType()).containsKey(key(null, namespace));
  }

  private ResourceType namespaceType() {
    return registry.find("", "v1", "namespaces").orElseThrow();
  }

  /** Create a namespace unless it exists (scenarios imply their namespaces). */
  public void ensureNamespace(String name) {
    atomically(
        () -> {
          if (!namespaceExists(name)) {
            ObjectNode ns = Json.object();
            ns.putObject("metadata").put("name", name);
            create(namespaceType(), null, ns);
          }
          return null;
        });
  }

  // ---------------------------------------------------------------- update

  /** Where an update goes: the object (status kept as stored) or its status subresource (only status changes). */
  public enum Scope {
    MAIN,
    STATUS
  }

  public ObjectNode update(ResourceType type, String namespace, String name, JsonNode body, Scope scope) {
    return atomically(
        () -> {
          ObjectNode current = stored(type, namespace, name);
          return replace(type, current, body, scope, true);
        });
  }

  public ObjectNode patch(
      ResourceType type, String namespace, String name, String contentType, JsonNode patch, Scope scope) {
    return atomically(
        () -> {
          ObjectNode current = stored(type, namespace, name);
          JsonNode patched = Patches.apply(contentType, view(type, current), patch);
          String patchVersion = Json.text(patch, "metadata.resourceVersion");
          if (!patchVersion.isEmpty() && !patchVersion.equals(Json.text(current, "metadata.resourceVersion"))) {
            throw ApiException.conflict(
                type, name, "the object has been modified; please apply your changes to the latest version and try again");
          }
          ObjectNode body = (ObjectNode) patched;
          Json.metadata(body).put("resourceVersion", Json.text(current, "metadata.resourceVersion"));
          return replace(type, current, body, scope, false);
        });
  }

  private ObjectNode stored(ResourceType type, String namespace, String name) {
    ObjectNode current = bucket(type).get(key(ns(type, namespace), name));
    if (current == null) {
      throw ApiException.notFound(type, name);
    }
    return current;
  }

  private ObjectNode replace(ResourceType type, ObjectNode current, JsonNode body, Scope scope, boolean checkName) {
    if (!body.isObject()) {
      throw ApiException.badRequest("the body of the request was not an object");
    }
    String name = Json.text(current, "metadata.name");
    String bodyName = Json.text(body, "metadata.name");
    if (checkName && !bodyName.isEmpty() && !bodyName.equals(name)) {
      throw ApiException.badRequest("the name of the object (" + bodyName + ") does not match the name on the URL ("
          + name + ")");
    }
    String bodyVersion = Json.text(body, "metadata.resourceVersion");
    if (!bodyVersion.isEmpty() && !bodyVersion.equals(Json.text(current, "metadata.resourceVersion"))) {
      throw ApiException.conflict(
          type, name, "the object has been modified; please apply your changes to the latest version and try again");
    }
    refuseNewFinalizersWhileDeleting(type, current, body, scope);
    ObjectNode updated;
    if (scope == Scope.STATUS) {
      updated = current.deepCopy();
      JsonNode status = body.get("status");
      if (status == null || status.isNull()) {
        updated.remove("status");
      } else {
        updated.set("status", status.deepCopy());
      }
      pruneAndValidate(type, updated);
    } else {
      updated = ((ObjectNode) body).deepCopy();
      if (type.hasStatus()) {
        if (current.has("status")) {
          updated.set("status", current.get("status").deepCopy());
        } else {
          updated.remove("status");
        }
      }
      pruneAndValidate(type, updated);
      ObjectNode metadata = Json.metadata(updated);
      JsonNode old = current.get("metadata");
      for (String immutable :
          List.of("uid", "creationTimestamp", "namespace", "name", "deletionTimestamp", "deletionGracePeriodSeconds",
              "generation")) {
        if (old.has(immutable)) {
          metadata.set(immutable, old.get(immutable).deepCopy());
        } else {
          metadata.remove(immutable);
        }
      }
      if (!stripped(type, current).equals(stripped(type, updated))) {
        metadata.put("generation", old.path("generation").asLong(1) + 1);
      }
    }
    updated.put("apiVersion", type.apiVersion());
    updated.put("kind", type.kind());
    if (type.kind().equals("CustomResourceDefinition") && !dryRun) {
      registry.register(updated);
    }
    if (finishedFinalizing(type, updated)) {
      removeStored(type, current);
      collectDependents(Json.text(current, "metadata.uid"));
      return view(type, updated);
    }
    store(type, updated, "MODIFIED", current);
    return view(type, updated);
  }

  /**
   * The content whose change bumps metadata.generation: everything but metadata, and but status where status is a
   * subresource of its own (a custom resource without one counts status changes too, as apiextensions does).
   */
  private static JsonNode stripped(ResourceType type, ObjectNode object) {
    ObjectNode copy = object.deepCopy();
    copy.remove("metadata");
    if (type.hasStatus() || !type.custom()) {
      copy.remove("status");
    }
    copy.remove("apiVersion");
    copy.remove("kind");
    return copy;
  }

  /** A custom resource as apiextensions stores it: pruned to its schema, and refused (422) when invalid. */
  private static void pruneAndValidate(ResourceType type, ObjectNode object) {
    if (!type.custom()) {
      return;
    }
    List<String> errors = CustomResourceSchema.pruneAndValidate(type.schema(), object);
    if (!errors.isEmpty()) {
      throw ApiException.invalid(type, Json.text(object, "metadata.name"),
          errors.size() == 1 ? errors.get(0) : "[" + String.join(", ", errors) + "]");
    }
  }

  /** ValidateObjectMetaUpdate: once an object is being deleted, finalizers may only go, never come. */
  private static void refuseNewFinalizersWhileDeleting(
      ResourceType type, ObjectNode current, JsonNode body, Scope scope) {
    if (scope == Scope.STATUS || !current.path("metadata").has("deletionTimestamp")) {
      return;
    }
    java.util.Set<String> old = new java.util.TreeSet<>();
    current.path("metadata").path("finalizers").forEach(f -> old.add(f.asString()));
    List<String> added = new ArrayList<>();
    body.path("metadata").path("finalizers").forEach(f -> {
      if (!old.contains(f.asString()) && !added.contains(f.asString())) {
        added.add(f.asString());
      }
    });
    if (!added.isEmpty()) {
      added.sort(null);
      throw ApiException.invalid(type, Json.text(current, "metadata.name"),
          "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new "
              + "finalizers []string{" + String.join(", ", added.stream().map(f -> "\"" + f + "\"").toList()) + "}");
    }
  }

  private static boolean finishedFinalizing(ResourceType type, ObjectNode object) {
    JsonNode metadata = object.path("metadata");
    if (!metadata.has("deletionTimestamp") || metadata.path("finalizers").size() > 0) {
      return false;
    }
    // A terminating pod stays until its final (grace 0) delete, which is the kubelet's to make.
    return !isPod(type) || metadata.path("deletionGracePeriodSeconds").asLong(0) == 0;
  }

  private static boolean isPod(ResourceType type) {
    return type.group().isEmpty() && type.plural().equals("pods");
  }

  // ---------------------------------------------------------------- delete

  /**
   * Delete as the apiserver does: a scheduled pod is only marked (deletionTimestamp, grace period) for its kubelet
   * to finish; objects with finalizers are marked; everything else goes at once and its dependents follow.
   *
   * @return the object as it stands after the call (marked, or as it was when removed)
   */
  public ObjectNode delete(ResourceType type, String namespace, String name, DeleteOptions options) {
    return atomically(
        () -> {
          ObjectNode current = stored(type, namespace, name);
          checkPreconditions(type, current, options);
          if (isPod(type)) {
            return deletePod(type, current, options);
          }
          if (Json.metadata(current).path("finalizers").size() > 0) {
            if (Json.metadata(current).has("deletionTimestamp")) {
              return view(type, current);
            }
            ObjectNode marked = current.deepCopy();
            // markAsDeleting: the generation moves, so a controller that watches generations sees the deletion.
            long generation = Json.metadata(marked).path("generation").asLong(0);
            if (generation > 0) {
              Json.metadata(marked).put("generation", generation + 1);
            }
            Json.metadata(marked).put("deletionTimestamp", Json.now());
            Json.metadata(marked).put("deletionGracePeriodSeconds", 0);
            store(type, marked, "MODIFIED", current);
            return view(type, marked);
          }
          removeStored(type, current);
          if (!"Orphan".equals(options.propagationPolicy())) {
            collectDependents(Json.text(current, "metadata.uid"));
          }
          return view(type, current);
        });
  }

  private static void checkPreconditions(ResourceType type, ObjectNode current, DeleteOptions options) {
    String uid = Json.text(current, "metadata.uid");
    String name = Json.text(current, "metadata.name");
    if (options.preconditionUid() != null && !options.preconditionUid().equals(uid)) {
      throw ApiException.conflict(
          type, name, "Precondition failed: UID in precondition: " + options.preconditionUid()
              + ", UID in object meta: " + uid);
    }
    String rv = Json.text(current, "metadata.resourceVersion");
    if (options.preconditionResourceVersion() != null && !options.preconditionResourceVersion().equals(rv)) {
      throw ApiException.conflict(
          type, name, "Precondition failed: ResourceVersion in precondition: "
              + options.preconditionResourceVersion() + ", ResourceVersion in object meta: " + rv);
    }
  }

  private ObjectNode deletePod(ResourceType type, ObjectNode current, DeleteOptions options) {
    ObjectNode metadata = Json.metadata(current);
    long grace =
        options.gracePeriodSeconds() != null
            ? options.gracePeriodSeconds()
            : current.path("spec").path("terminationGracePeriodSeconds").asLong(30);
    String phase = Json.text(current, "status.phase");
    // The pod strategy's CheckGracefulDelete: nothing runs an unscheduled or finished pod, so it goes at once.
    if (Json.text(current, "spec.nodeName").isEmpty() || phase.equals("Succeeded") || phase.equals("Failed")) {
      grace = 0;
    }
    grace = Math.max(grace, 0);
    if (metadata.has("deletionTimestamp")) {
      long existing = metadata.path("deletionGracePeriodSeconds").asLong(0);
      if (grace >= existing && grace != 0) {
        return view(type, current);
      }
    }
    if (grace == 0 && metadata.path("finalizers").isEmpty()) {
      removeStored(type, current);
      collectDependents(metadata.path("uid").asString());
      return view(type, current);
    }
    ObjectNode marked = current.deepCopy();
    ObjectNode markedMeta = Json.metadata(marked);
    markedMeta.put(
        "deletionTimestamp", Instant.now().plusSeconds(grace).truncatedTo(ChronoUnit.SECONDS).toString());
    markedMeta.put("deletionGracePeriodSeconds", grace);
    store(type, marked, "MODIFIED", current);
    return view(type, marked);
  }

  /** Background propagation: dependents none of whose owners still exist are deleted too. */
  private void collectDependents(String ownerUid) {
    if (ownerUid.isEmpty() || dryRun) {
      return;
    }
    List<Object[]> dependents = new ArrayList<>();
    for (ResourceType type : distinctStorages()) {
      for (ObjectNode object : bucket(type).values()) {
        JsonNode owners = object.path("metadata").path("ownerReferences");
        boolean ownedByIt = false;
        boolean otherOwnerAlive = false;
        for (JsonNode owner : owners) {
          String uid = owner.path("uid").asString("");
          if (uid.equals(ownerUid)) {
            ownedByIt = true;
          } else if (byUid.containsKey(uid)) {
            otherOwnerAlive = true;
          }
        }
        if (ownedByIt && !otherOwnerAlive) {
          dependents.add(new Object[] {type, object});
        }
      }
    }
    for (Object[] dependent : dependents) {
      ResourceType type = (ResourceType) dependent[0];
      ObjectNode object = (ObjectNode) dependent[1];
      String namespace = Json.text(object, "metadata.namespace");
      String name = Json.text(object, "metadata.name");
      if (bucket(type).containsKey(key(ns(type, namespace), name))) {
        delete(type, namespace, name, DeleteOptions.defaults());
      }
    }
  }

  private List<ResourceType> distinctStorages() {
    Map<String, ResourceType> distinct = new LinkedHashMap<>();
    for (ResourceType type : registry.all()) {
      distinct.putIfAbsent(type.storageKey(), type);
    }
    return new ArrayList<>(distinct.values());
  }

  private void removeStored(ResourceType type, ObjectNode current) {
    if (dryRun) {
      return;
    }
    String namespace = Json.text(current, "metadata.namespace");
    String name = Json.text(current, "metadata.name");
    ObjectNode removed = current.deepCopy();
    Json.metadata(removed).put("resourceVersion", String.valueOf(++resourceVersion));
    bucket(type).remove(key(ns(type, namespace), name));
    byUid.remove(Json.text(current, "metadata.uid"));
    record(type, "DELETED", removed, current);
    if (type.group().isEmpty() && type.plural().equals("namespaces")) {
      for (ResourceType t : distinctStorages()) {
        if (t.namespaced()) {
          for (ObjectNode o : new ArrayList<>(bucket(t).values())) {
            if (name.equals(Json.text(o, "metadata.namespace"))) {
              removeStored(t, o);
            }
          }
        }
      }
    }
    if (type.kind().equals("CustomResourceDefinition")) {
      String group = Json.text(current, "spec.group");
      String plural = Json.text(current, "spec.names.plural");
      objects.remove(group + "/" + plural);
      registry.unregister(current);
    }
  }

  private void store(ResourceType type, ObjectNode object, String eventType, ObjectNode old) {
    if (dryRun) {
      // Nothing reaches storage, so nothing gets a resourceVersion: a create answers without one, an update with
      // the version it was made against.
      if (old == null) {
        Json.metadata(object).remove("resourceVersion");
      } else {
        Json.metadata(object).put("resourceVersion", Json.text(old, "metadata.resourceVersion"));
      }
      return;
    }
    Json.metadata(object).put("resourceVersion", String.valueOf(++resourceVersion));
    String namespace = type.namespaced() ? Json.text(object, "metadata.namespace") : null;
    String name = Json.text(object, "metadata.name");
    bucket(type).put(key(namespace, name), object);
    byUid.put(Json.text(object, "metadata.uid"), new String[] {type.storageKey(), key(namespace, name)});
    record(type, eventType, object, old);
  }

  // ---------------------------------------------------------------- watch

  private void record(ResourceType type, String eventType, ObjectNode object, ObjectNode old) {
    String namespace = Json.text(object, "metadata.namespace");
    StoredEvent event = new StoredEvent(resourceVersion, type.storageKey(), namespace, eventType, object, old);
    history.addLast(event);
    while (history.size() > HISTORY) {
      history.removeFirst();
    }
    Shared shared = new Shared(type, object);
    for (WatchSink sink : watches) {
      if (!deliver(sink, event, shared)) {
        watches.remove(sink);
      }
    }
  }

  /** The watchers' view of one event's object, made on first need and then given to every watcher of the event. */
  private static final class Shared {
    private final ResourceType type;
    private final ObjectNode stored;
    private WatchObject made;

    Shared(ResourceType type, ObjectNode stored) {
      this.type = type;
      this.stored = stored;
    }

    WatchObject get() {
      if (made == null) {
        made = new WatchObject(view(type, stored));
      }
      return made;
    }
  }

  private boolean deliver(WatchSink sink, StoredEvent event, Shared shared) {
    if (!sink.storageKey().equals(event.storageKey())
        || (sink.namespace() != null && !sink.namespace().equals(event.namespace()))) {
      return true;
    }
    boolean matchesNew = !event.type().equals("DELETED") && sink.filter().test(event.object());
    boolean matchesOld = event.old() != null && sink.filter().test(event.old());
    if (event.type().equals("DELETED")) {
      return !matchesOld || sink.offer("DELETED", shared.get());
    }
    if (matchesNew && matchesOld) {
      return sink.offer("MODIFIED", shared.get());
    }
    if (matchesNew) {
      return sink.offer("ADDED", shared.get());
    }
    if (matchesOld) {
      return sink.offer("DELETED", shared.get());
    }
    return true;
  }

  /**
   * Open a watch. Without a resourceVersion (or "0") it starts with a synthetic ADDED for every selected object, as
   * the apiserver does; with one, it replays what happened since, or answers 410 Gone when that is too old.
   */
  public void watch(ResourceType type, String fromVersion, WatchSink sink) {
    atomically(
        () -> {
          if (fromVersion == null || fromVersion.isEmpty() || fromVersion.equals("0")) {
            for (ObjectNode object : bucket(type).values()) {
              if (inNamespace(type, object, sink.namespace()) && sink.filter().test(object)) {
                sink.offer("ADDED", new WatchObject(view(type, object)));
              }
            }
          } else {
            long from;
            try {
              from = Long.parseLong(fromVersion);
            } catch (NumberFormatException e) {
              throw ApiException.badRequest("invalid resourceVersion " + fromVersion);
            }
            if (!history.isEmpty() && from < history.peekFirst().rv() - 1) {
              throw new ApiException(410, "Expired", "too old resource version: " + from + " (" + resourceVersion + ")");
            }
            for (StoredEvent event : history) {
              if (event.rv() > from) {
                deliver(sink, event, new Shared(type, event.object()));
              }
            }
          }
          watches.add(sink);
          return null;
        });
  }

  public void unwatch(WatchSink sink) {
    watches.remove(sink);
  }
}
