package dev.runbook.simulator.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The HTTP face of the simulated apiserver. Every request runs on its own thread (an eviction's admission hook
 * may call back into the server), and watches are HTTP streams of JSON lines, the protocol kubectl uses and
 * fabric8 falls back to.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

  static {
    // Without it the JDK server's separate header and body writes meet the client's delayed ACK: ~40 ms a request.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final ResourceStore store;
  private final ResourceRegistry registry;
  private final Discovery discovery;
  private final OpenApi openApi;
  private final EvictionHandler evictions;
  private final Supplier<JsonNode> report;
  private final RequestAudit audit = new RequestAudit();
  private final Set<WatchStream> streams = new CopyOnWriteArraySet<>();
  private HttpServer server;
  private ExecutorService executor;
  private volatile boolean closed;

  public ApiServer(ResourceStore store, EvictionHandler evictions, Supplier<JsonNode> report) {
    this.store = store;
    this.registry = store.registry();
    this.discovery = new Discovery(registry);
    this.openApi = new OpenApi(registry);
    this.evictions = evictions;
    this.report = report;
  }

  public void start(int port) throws IOException {
    AtomicInteger threads = new AtomicInteger();
    executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "sim-apiserver-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Every request served so far, as RBAC names it. */
  public RequestAudit audit() {
    return audit;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  @Override
  public void close() {
    closed = true;
    streams.forEach(WatchStream::close);
    if (server != null) {
      server.stop(0);
    }
    if (executor != null) {
      executor.shutdownNow();
    }
  }

  // ---------------------------------------------------------------- routing

  private record Target(ResourceType type, String namespace, String name, String subresource) {}

  private void handle(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getRawPath();
    Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
    try {
      byte[] raw = exchange.getRequestBody().readAllBytes();
      String body = new String(raw, StandardCharsets.UTF_8);
      ApiResponse response = route(exchange, method, path, query, body);
      if (response != null) {
        send(exchange, response.code(), response.body());
      }
    } catch (ApiException e) {
      send(exchange, e.code(), e.toStatus());
    } catch (RuntimeException e) {
      log.warn("{} {} failed", method, path, e);
      send(exchange, 500, new ApiException(500, "InternalError", "Internal error occurred: " + e).toStatus());
    }
  }

  private ApiResponse route(
      HttpExchange exchange, String method, String path, Map<String, String> query, String body) {
    List<String> segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).map(ApiServer::decode).toList();
    audit(exchange, method, path, segments, query);
    if (segments.isEmpty()) {
      return ok(pathsDocument());
    }
    switch (segments.get(0)) {
      case "version":
        return ok(discovery.version());
      case "healthz", "livez", "readyz":
        sendText(exchange, "ok");
        return null;
      case "sim":
        if (segments.size() == 2 && segments.get(1).equals("report")) {
          return ok(report.get());
        }
        if (segments.size() == 2 && segments.get(1).equals("requests")) {
          return ok(audit.toJson(query.get("userAgent")));
        }
        throw notFoundPath();
      case "openapi":
        if (segments.size() == 2 && segments.get(1).equals("v3")) {
          return ok(openApi.root());
        }
        if (segments.size() >= 4 && segments.get(1).equals("v3") && segments.get(2).equals("api")) {
          return found(openApi.groupVersion("", segments.get(3)));
        }
        if (segments.size() >= 5 && segments.get(1).equals("v3") && segments.get(2).equals("apis")) {
          return found(openApi.groupVersion(segments.get(3), segments.get(4)));
        }
        throw notFoundPath();
      case "api":
        if (segments.size() == 1) {
          return ok(discovery.coreVersions("127.0.0.1:" + port()));
        }
        if (segments.size() == 2) {
          return found(discovery.resources("", segments.get(1)));
        }
        return resource(exchange, method, "", segments.get(1), segments.subList(2, segments.size()), query, body);
      case "apis":
        if (segments.size() == 1) {
          return ok(discovery.groups());
        }
        if (segments.size() == 2) {
          return found(discovery.group(segments.get(1)));
        }
        if (segments.size() == 3) {
          return found(discovery.resources(segments.get(1), segments.get(2)));
        }
        return resource(
            exchange, method, segments.get(1), segments.get(2), segments.subList(3, segments.size()), query, body);
      default:
        throw notFoundPath();
    }
  }

  private Target target(String group, String version, List<String> rest) {
    if (rest.size() >= 3 && rest.get(0).equals("namespaces")) {
      var namespaced = registry.find(group, version, rest.get(2)).filter(ResourceType::namespaced);
      if (namespaced.isPresent()) {
        return new Target(
            namespaced.get(), rest.get(1), rest.size() > 3 ? rest.get(3) : null, rest.size() > 4 ? rest.get(4) : null);
      }
    }
    ResourceType type = registry.find(group, version, rest.get(0)).orElseThrow(ApiServer::notFoundPath);
    return new Target(type, null, rest.size() > 1 ? rest.get(1) : null, rest.size() > 2 ? rest.get(2) : null);
  }

  private ApiResponse resource(
      HttpExchange exchange, String method, String group, String version, List<String> rest,
      Map<String, String> query, String body) {
    Target t = target(group, version, rest);
    ResourceType type = t.type();
    if (t.subresource() != null && !type.subresources().contains(t.subresource())) {
      throw notFoundPath();
    }
    String accept = exchange.getRequestHeaders().getFirst("Accept");
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    if (!method.equals("GET") && dryRun(query, method.equals("DELETE") && !body.isBlank() ? parse(body) : null)) {
      if (t.subresource() != null && !t.subresource().equals("status")) {
        throw ApiException.badRequest("dryRun is not supported by the simulator for " + t.type().plural() + "/"
            + t.subresource());
      }
      return store.dryRun(() -> change(method, t, query, body, contentType));
    }
    if (!method.equals("GET")) {
      return change(method, t, query, body, contentType);
    }
    if (isWatch(query)) {
      watch(exchange, t, query);
      return null;
    }
    if (t.name() == null) {
      return list(t, query, accept);
    }
    if ("log".equals(t.subresource())) {
      store.getOrThrow(type, t.namespace(), t.name());
      sendText(exchange, "");
      return null;
    }
    ObjectNode object = store.getOrThrow(type, t.namespace(), t.name());
    if (Tables.wanted(accept) && t.subresource() == null) {
      return ok(Tables.table(type, List.of(object), store.currentVersion()));
    }
    return ok(object);
  }

  /**
   * {@code dryRun=All} in the query (or, for a delete, in its DeleteOptions); any other value is refused as the
   * apiserver refuses it.
   */
  private static boolean dryRun(Map<String, String> query, JsonNode deleteOptions) {
    List<String> values = new ArrayList<>();
    if (query.containsKey("dryRun")) {
      values.add(query.get("dryRun"));
    }
    if (deleteOptions != null) {
      deleteOptions.path("dryRun").forEach(v -> values.add(v.asString()));
    }
    for (String value : values) {
      if (!value.equals("All")) {
        throw ApiException.badRequest("dryRun: Unsupported value: \"" + value + "\": supported values: \"All\"");
      }
    }
    return !values.isEmpty();
  }

  private ApiResponse change(String method, Target t, Map<String, String> query, String body, String contentType) {
    ResourceType type = t.type();
    switch (method) {
      case "POST":
        JsonNode posted = parse(body);
        if (t.name() == null) {
          return new ApiResponse(201, store.create(type, t.namespace(), posted));
        }
        if ("eviction".equals(t.subresource())) {
          return evictions.evict(t.namespace(), t.name(), posted);
        }
        if ("binding".equals(t.subresource())) {
          return bind(t, posted);
        }
        throw new ApiException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
      case "PUT":
        requireName(t);
        return ok(store.update(type, t.namespace(), t.name(), parse(body), scope(t)));
      case "PATCH":
        requireName(t);
        JsonNode patch = parse(body);
        if (contentType != null && contentType.startsWith("application/apply-patch")
            && store.get(type, t.namespace(), t.name()).isEmpty()) {
          return new ApiResponse(201, store.create(type, t.namespace(), patch));
        }
        return ok(store.patch(type, t.namespace(), t.name(), contentType, patch, scope(t)));
      case "DELETE":
        JsonNode options = body.isBlank() ? Json.object() : parse(body);
        DeleteOptions deleteOptions =
            DeleteOptions.from(options, query.get("gracePeriodSeconds"), query.get("propagationPolicy"));
        if (t.name() == null) {
          return deleteCollection(t, query, deleteOptions);
        }
        return ok(store.delete(type, t.namespace(), t.name(), deleteOptions));
      default:
        throw new ApiException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
    }
  }

  // ---------------------------------------------------------------- audit

  private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

  /** Records the request as the apiserver's RequestInfoFactory reads it, whether or not it then succeeds. */
  private void audit(
      HttpExchange exchange, String method, String path, List<String> segments, Map<String, String> query) {
    if (!segments.isEmpty() && segments.get(0).equals("sim")) {
      return;
    }
    String userAgent = exchange.getRequestHeaders().getFirst("User-Agent");
    int prefix = segments.isEmpty() ? 0 : segments.get(0).equals("api") ? 2 : segments.get(0).equals("apis") ? 3 : 0;
    if (prefix == 0 || segments.size() <= prefix) {
      audit.nonResource(userAgent, method.toLowerCase(java.util.Locale.ROOT), path);
      return;
    }
    String group = prefix == 3 ? segments.get(1) : "";
    List<String> parts = segments.subList(prefix, segments.size());
    String namespace = "";
    if (parts.get(0).equals("namespaces") && parts.size() > 1) {
      namespace = parts.get(1);
      if (parts.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(parts.get(2))) {
        parts = parts.subList(2, parts.size());
      }
    }
    String resource = parts.get(0);
    String name = parts.size() > 1 ? parts.get(1) : "";
    String subresource = parts.size() > 2 ? parts.get(2) : "";
    String verb = switch (method) {
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> name.isEmpty() ? "deletecollection" : "delete";
      // A named GET with watch=true is served as a watch here, so it is recorded as one.
      default -> isWatch(query) ? "watch" : name.isEmpty() ? "list" : "get";
    };
    if (name.isEmpty() && (verb.equals("list") || verb.equals("watch"))) {
      name = Selectors.exactName(query.get("fieldSelector"));
    }
    audit.resource(userAgent, verb, group, resource, subresource, namespace, name);
  }

  private static ResourceStore.Scope scope(Target t) {
    return "status".equals(t.subresource()) ? ResourceStore.Scope.STATUS : ResourceStore.Scope.MAIN;
  }

  private static void requireName(Target t) {
    if (t.name() == null) {
      throw new ApiException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
    }
  }

  private Predicate<JsonNode> filter(Map<String, String> query) {
    return Selectors.labels(query.get("labelSelector")).and(Selectors.fields(query.get("fieldSelector")));
  }

  private ApiResponse list(Target t, Map<String, String> query, String accept) {
    ResourceType type = t.type();
    long version = store.currentVersion();
    List<ObjectNode> items = store.list(type, t.namespace(), filter(query));
    if (Tables.wanted(accept)) {
      return ok(Tables.table(type, items, version));
    }
    ObjectNode list = Json.object();
    list.put("kind", type.kind() + "List");
    list.put("apiVersion", type.apiVersion());
    list.putObject("metadata").put("resourceVersion", String.valueOf(version));
    ArrayNode array = list.putArray("items");
    items.forEach(array::add);
    return ok(list);
  }

  private ApiResponse deleteCollection(Target t, Map<String, String> query, DeleteOptions options) {
    List<ObjectNode> items = store.list(t.type(), t.namespace(), filter(query));
    ObjectNode list = Json.object();
    list.put("kind", t.type().kind() + "List");
    list.put("apiVersion", t.type().apiVersion());
    list.putObject("metadata").put("resourceVersion", String.valueOf(store.currentVersion()));
    ArrayNode array = list.putArray("items");
    for (ObjectNode item : items) {
      try {
        array.add(store.delete(t.type(), Json.text(item, "metadata.namespace"), Json.text(item, "metadata.name"), options));
      } catch (ApiException e) {
        if (e.code() != 404) {
          throw e;
        }
      }
    }
    return ok(list);
  }

  /** {@code pods/binding}: what a scheduler posts to place a pod; refused once the pod has a node. */
  private ApiResponse bind(Target t, JsonNode binding) {
    String node = Json.text(binding, "target.name");
    return store.atomically(
        () -> {
          ObjectNode pod = store.getOrThrow(t.type(), t.namespace(), t.name());
          String current = Json.text(pod, "spec.nodeName");
          if (!current.isEmpty()) {
            throw ApiException.conflict(t.type(), t.name(), "pod " + t.name() + " is already assigned to node \""
                + current + "\"");
          }
          pod.withObjectProperty("spec").put("nodeName", node);
          store.update(t.type(), t.namespace(), t.name(), pod, ResourceStore.Scope.MAIN);
          return new ApiResponse(201, ApiException.status(201, "Success", null, null, null));
        });
  }

  // ---------------------------------------------------------------- watch

  private static boolean isWatch(Map<String, String> query) {
    String watch = query.get("watch");
    return "true".equals(watch) || "1".equals(watch);
  }

  private void watch(HttpExchange exchange, Target t, Map<String, String> query) {
    String upgrade = exchange.getRequestHeaders().getFirst("Upgrade");
    if (upgrade != null && upgrade.equalsIgnoreCase("websocket")) {
      // fabric8 falls back to an HTTP watch when the handshake is answered 200 or 503, but retries a 503 ten times.
      try {
        send(exchange, 200, ApiException.status(200, "Failure", "BadRequest",
            "websocket watches are not served; use an HTTP watch", null));
      } catch (IOException e) {
        log.debug("client went away", e);
      }
      return;
    }
    Predicate<JsonNode> filter = filter(query);
    if (t.name() != null) {
      filter = filter.and(o -> t.name().equals(Json.text(o, "metadata.name")));
    }
    long timeoutSeconds = query.containsKey("timeoutSeconds") ? Long.parseLong(query.get("timeoutSeconds")) : 1800;
    String accept = exchange.getRequestHeaders().getFirst("Accept");
    // kubectl get -w asks for table rows: each event then carries a one-row Table, as the apiserver sends it.
    java.util.function.UnaryOperator<ObjectNode> render =
        Tables.wanted(accept)
            ? o -> Tables.table(t.type(), List.of(o), Long.parseLong(Json.text(o, "metadata.resourceVersion")))
            : null;
    WatchStream stream =
        new WatchStream(t.type().storageKey(), t.type().namespaced() ? t.namespace() : null, filter, render);
    store.watch(t.type(), query.get("resourceVersion"), stream);
    streams.add(stream);
    try {
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.getResponseHeaders().set("Cache-Control", "no-cache, private");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      out.flush();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      while (!closed && !stream.closed && System.nanoTime() < deadline) {
        java.util.function.Supplier<byte[]> line = stream.queue.poll(500, TimeUnit.MILLISECONDS);
        if (line != null) {
          out.write(line.get());
          out.flush();
        }
      }
    } catch (IOException e) {
      log.debug("watch client went away", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stream.close();
      store.unwatch(stream);
      streams.remove(stream);
      exchange.close();
    }
  }

  private static final class WatchStream implements WatchSink {
    private final String storageKey;
    private final String namespace;
    private final Predicate<JsonNode> filter;
    /** Table rows for kubectl get -w; null for the objects themselves. */
    private final java.util.function.UnaryOperator<ObjectNode> render;
    /** Event lines, written as JSON when the stream's own thread sends them (not under the store's lock). */
    private final LinkedBlockingQueue<java.util.function.Supplier<byte[]>> queue = new LinkedBlockingQueue<>();
    private volatile boolean closed;

    WatchStream(
        String storageKey, String namespace, Predicate<JsonNode> filter,
        java.util.function.UnaryOperator<ObjectNode> render) {
      this.storageKey = storageKey;
      this.namespace = namespace;
      this.filter = filter;
      this.render = render;
    }

    @Override
    public String storageKey() {
      return storageKey;
    }

    @Override
    public String namespace() {
      return namespace;
    }

    @Override
    public Predicate<JsonNode> filter() {
      return filter;
    }

    @Override
    public boolean offer(String type, WatchObject object) {
      if (closed) {
        return false;
      }
      if (render == null) {
        queue.add(() -> object.line(type));
      } else {
        ObjectNode event = Json.object();
        event.put("type", type);
        event.set("object", render.apply(object.node()));
        byte[] line = (Json.write(event) + "\n").getBytes(StandardCharsets.UTF_8);
        queue.add(() -> line);
      }
      return true;
    }

    void close() {
      closed = true;
    }
  }

  // ---------------------------------------------------------------- plumbing

  private ObjectNode pathsDocument() {
    ObjectNode root = Json.object();
    ArrayNode paths = root.putArray("paths");
    List<String> all =
        new ArrayList<>(List.of("/api", "/api/v1", "/apis", "/version", "/sim/report", "/sim/requests"));
    registry.groups().forEach((g, versions) -> {
      if (!g.isEmpty()) {
        all.add("/apis/" + g);
        versions.forEach(v -> all.add("/apis/" + g + "/" + v));
      }
    });
    all.forEach(paths::add);
    return root;
  }

  private static JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      throw ApiException.badRequest("the request body is empty");
    }
    try {
      String trimmed = body.trim();
      if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) {
        return Json.YAML.readTree(body);
      }
      return Json.parse(body);
    } catch (RuntimeException e) {
      throw ApiException.badRequest("the request body could not be decoded: " + e.getMessage());
    }
  }

  private static ApiResponse ok(JsonNode body) {
    return new ApiResponse(200, body);
  }

  private static ApiResponse found(JsonNode body) {
    if (body == null) {
      throw notFoundPath();
    }
    return ok(body);
  }

  private static ApiException notFoundPath() {
    return new ApiException(404, "NotFound", "the server could not find the requested resource");
  }

  private static void send(HttpExchange exchange, int code, JsonNode body) throws IOException {
    byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static Void sendText(HttpExchange exchange, String text) {
    try {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain");
      exchange.sendResponseHeaders(200, bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    } catch (IOException e) {
      log.debug("client went away", e);
    }
    return null;
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> query = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return query;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      query.put(key, value);
    }
    return query;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
