package dev.runbook.worker.nodemaintenance;

import java.nio.file.Path;
import java.util.Map;

/**
 * Settings of the NodeMaintenance validating webhook, read from the environment.
 *
 * @param enabled false when {@value #PORT} is unset: the webhook is only needed where a ValidatingWebhookConfiguration
 *     points at this worker (a real cluster), not for a worker on a laptop
 * @param port the HTTPS port; 0 takes any free port (tests)
 * @param certDir holds {@value #CERT_FILE} and {@value #KEY_FILE} in PEM, as cert-manager and OpenShift's service-ca
 *     write them into a Secret
 */
public record WebhookConfig(boolean enabled, int port, Path certDir) {
  public static final String PORT = "RUNBOOK_WEBHOOK_PORT";
  public static final String CERT_DIR = "RUNBOOK_WEBHOOK_CERT_DIR";
  public static final Path DEFAULT_CERT_DIR = Path.of("/etc/runbook/webhook-certs");
  public static final String CERT_FILE = "tls.crt";
  public static final String KEY_FILE = "tls.key";

  public WebhookConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("webhook port " + port + " is outside 0-65535");
    }
  }

  public static WebhookConfig disabled() {
    return new WebhookConfig(false, 0, DEFAULT_CERT_DIR);
  }

  public static WebhookConfig on(int port, Path certDir) {
    return new WebhookConfig(true, port, certDir);
  }

  public static WebhookConfig fromEnvironment(Map<String, String> env) {
    String rawDir = env.get(CERT_DIR);
    Path certDir;
    if (rawDir == null) {
      certDir = DEFAULT_CERT_DIR;
    } else if (rawDir.isBlank()) {
      throw new IllegalArgumentException(CERT_DIR + " is set but empty: unset it to use " + DEFAULT_CERT_DIR);
    } else {
      certDir = Path.of(rawDir.trim());
    }
    String rawPort = env.get(PORT);
    if (rawPort == null || rawPort.isBlank()) {
      return new WebhookConfig(false, 0, certDir);
    }
    try {
      int port = Integer.parseInt(rawPort.trim());
      if (port >= 1 && port <= 65535) {
        return new WebhookConfig(true, port, certDir);
      }
    } catch (NumberFormatException e) {
      // reported below with the variable's name
    }
    throw new IllegalArgumentException(
        PORT + "='" + rawPort + "' must be a TCP port, 1-65535 (the Service's targetPort, 9443 in deploy/); unset it to"
            + " run without the webhook");
  }

  public Path certFile() {
    return certDir.resolve(CERT_FILE);
  }

  public Path keyFile() {
    return certDir.resolve(KEY_FILE);
  }
}
