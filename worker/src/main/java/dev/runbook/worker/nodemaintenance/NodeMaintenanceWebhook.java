package dev.runbook.worker.nodemaintenance;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The validating admission webhook for NodeMaintenance resources on a real cluster: the API server calls
 * {@value #VALIDATE_PATH} over HTTPS for every CREATE and UPDATE (see {@code deploy/webhook.yaml}), and a refused
 * request never reaches etcd, so {@code kubectl apply} itself prints the refusal. {@value #HEALTH_PATH} answers
 * the kubelet's probes.
 */
public final class NodeMaintenanceWebhook implements AutoCloseable {
  public static final String VALIDATE_PATH = "/validate-nodemaintenance";
  public static final String HEALTH_PATH = "/healthz";
  private static final Logger log = LoggerFactory.getLogger(NodeMaintenanceWebhook.class);
  /** An AdmissionReview of an UPDATE holds two objects; the API server caps each at about 1.5 MiB. */
  private static final int MAX_BODY_BYTES = 4 * 1024 * 1024;
  private static final int THREADS = 4;

  private final HttpsServer server;
  private final ExecutorService executor;
  private final ReloadingKeyManager keyManager;

  private NodeMaintenanceWebhook(HttpsServer server, ExecutorService executor, ReloadingKeyManager keyManager) {
    this.server = server;
    this.executor = executor;
    this.keyManager = keyManager;
  }

  /**
   * Serves the webhook on {@code config.port()} (all interfaces) until closed.
   *
   * @throws IllegalArgumentException when {@code config} is disabled
   * @throws IllegalStateException naming the variable and file when the certificate cannot be loaded, or when the
   *     port is taken
   */
  public static NodeMaintenanceWebhook start(KubernetesClient client, WebhookConfig config) {
    if (!config.enabled()) {
      throw new IllegalArgumentException("the webhook is off: set " + WebhookConfig.PORT + " to serve it");
    }
    ReloadingKeyManager keyManager = new ReloadingKeyManager(config.certFile(), config.keyFile(), WebhookConfig.CERT_DIR);
    SSLContext tls;
    try {
      tls = SSLContext.getInstance("TLS");
      tls.init(new KeyManager[] {keyManager}, null, null);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JRE cannot serve TLS: " + e.getMessage(), e);
    }
    HttpsServer server;
    try {
      server = HttpsServer.create(new InetSocketAddress(config.port()), 0);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot listen on port " + config.port() + " (" + WebhookConfig.PORT + "): " + e.getMessage(), e);
    }
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    NodeMaintenanceAdmission admission = new NodeMaintenanceAdmission(client);
    server.createContext(VALIDATE_PATH, exchange -> handle(exchange, () -> validate(exchange, admission)));
    server.createContext(HEALTH_PATH, exchange -> handle(exchange, () -> health(exchange)));
    server.createContext("/", exchange -> handle(exchange, () -> notFound(exchange)));
    ExecutorService executor = Executors.newFixedThreadPool(THREADS, daemonThreads());
    server.setExecutor(executor);
    server.start();
    NodeMaintenanceWebhook webhook = new NodeMaintenanceWebhook(server, executor, keyManager);
    log.info(
        "NodeMaintenance webhook serving https://0.0.0.0:{}{} with certificate {}",
        webhook.port(),
        VALIDATE_PATH,
        keyManager.certificate().getSubjectX500Principal());
    return webhook;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The certificate served now: a renewed one once its files changed. */
  public X509Certificate certificate() {
    return keyManager.certificate();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private interface Handler {
    void run() throws IOException;
  }

  private static void handle(HttpExchange exchange, Handler handler) {
    try (exchange) {
      handler.run();
    } catch (IOException e) {
      log.debug("webhook connection from {} failed: {}", exchange.getRemoteAddress(), e.getMessage());
    } catch (RuntimeException e) {
      // A bug, not the caller's fault: log it here, answer without the stack trace.
      log.error("webhook request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
      try {
        reply(exchange, 500, "text/plain", "internal error in the NodeMaintenance webhook: " + e.getClass().getSimpleName());
      } catch (IOException | RuntimeException ignored) {
        // the response was already under way
      }
    }
  }

  private static void validate(HttpExchange exchange, NodeMaintenanceAdmission admission) throws IOException {
    if (!exchange.getRequestURI().getPath().equals(VALIDATE_PATH)) {
      notFound(exchange);
      return;
    }
    if (!"POST".equals(exchange.getRequestMethod())) {
      exchange.getResponseHeaders().set("Allow", "POST");
      reply(exchange, 405, "text/plain", VALIDATE_PATH + " takes POST with an " + NodeMaintenanceAdmission.API_VERSION
          + " AdmissionReview, not " + exchange.getRequestMethod());
      return;
    }
    byte[] body = readAtMost(exchange.getRequestBody(), MAX_BODY_BYTES);
    if (body == null) {
      reply(exchange, 413, "text/plain", "AdmissionReview larger than " + MAX_BODY_BYTES + " bytes");
      return;
    }
    String answer;
    try {
      answer = admission.review(new String(body, StandardCharsets.UTF_8));
    } catch (NodeMaintenanceAdmission.MalformedReview e) {
      reply(exchange, 400, "text/plain", e.getMessage());
      return;
    }
    reply(exchange, 200, "application/json", answer);
  }

  private static void health(HttpExchange exchange) throws IOException {
    if (!exchange.getRequestURI().getPath().equals(HEALTH_PATH)) {
      notFound(exchange);
      return;
    }
    reply(exchange, 200, "text/plain", "ok");
  }

  private static void notFound(HttpExchange exchange) throws IOException {
    reply(exchange, 404, "text/plain", "not found: this server answers " + VALIDATE_PATH + " and " + HEALTH_PATH);
  }

  /** null when the body is longer than {@code limit}. */
  private static byte[] readAtMost(InputStream in, int limit) throws IOException {
    byte[] bytes = in.readNBytes(limit + 1);
    return bytes.length > limit ? null : bytes;
  }

  private static void reply(HttpExchange exchange, int code, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType + "; charset=utf-8");
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, "nodemaintenance-webhook-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
