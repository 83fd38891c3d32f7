package dev.runbook.worker.nodemaintenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookConfigTest {
  @TempDir Path tmp;

  @Test
  @DisplayName("without RUNBOOK_WEBHOOK_PORT the webhook is off and the certificates are looked for in the default directory")
  void offByDefault() {
    WebhookConfig config = WebhookConfig.fromEnvironment(Map.of());

    assertFalse(config.enabled());
    assertEquals(Path.of("/etc/runbook/webhook-certs/tls.crt"), config.certFile());
    assertEquals(Path.of("/etc/runbook/webhook-certs/tls.key"), config.keyFile());
  }

  @Test
  @DisplayName("RUNBOOK_WEBHOOK_PORT turns it on; RUNBOOK_WEBHOOK_CERT_DIR moves the certificates")
  void portAndCertDir() {
    WebhookConfig config =
        WebhookConfig.fromEnvironment(Map.of("RUNBOOK_WEBHOOK_PORT", " 9443 ", "RUNBOOK_WEBHOOK_CERT_DIR", "/certs"));

    assertTrue(config.enabled());
    assertEquals(9443, config.port());
    assertEquals(Path.of("/certs/tls.key"), config.keyFile());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "65536", "-1", "https", "9443.0"})
  @DisplayName("a port that is not 1-65535 is an error that names the variable")
  void badPort(String port) {
    var error =
        assertThrows(IllegalArgumentException.class, () -> WebhookConfig.fromEnvironment(Map.of("RUNBOOK_WEBHOOK_PORT", port)));

    assertTrue(error.getMessage().startsWith("RUNBOOK_WEBHOOK_PORT='" + port + "'"), error.getMessage());
  }

  @Test
  @DisplayName("an empty RUNBOOK_WEBHOOK_CERT_DIR is an error rather than the working directory")
  void emptyCertDir() {
    var error =
        assertThrows(IllegalArgumentException.class, () -> WebhookConfig.fromEnvironment(Map.of("RUNBOOK_WEBHOOK_CERT_DIR", " ")));

    assertTrue(error.getMessage().contains("RUNBOOK_WEBHOOK_CERT_DIR"), error.getMessage());
  }

  @Test
  @DisplayName("starting without the certificate files fails naming the file and RUNBOOK_WEBHOOK_CERT_DIR")
  void missingFiles() {
    try (KubernetesClient client = unusedClient()) {
      var error =
          assertThrows(IllegalStateException.class, () -> NodeMaintenanceWebhook.start(client, WebhookConfig.on(0, tmp)));

      assertTrue(error.getMessage().contains(tmp.resolve("tls.crt").toString()), error.getMessage());
      assertTrue(error.getMessage().contains("RUNBOOK_WEBHOOK_CERT_DIR"), error.getMessage());
    }
  }

  @Test
  @DisplayName("a key that is not the certificate's is refused at start, naming both files")
  void mismatchedPair() throws Exception {
    TestCertificates.issue(tmp.resolve("a"), "a", TestCertificates.KeyFormat.PKCS8);
    TestCertificates.issue(tmp.resolve("b"), "b", TestCertificates.KeyFormat.PKCS8);
    Path mixed = Files.createDirectories(tmp.resolve("mixed"));
    Files.copy(tmp.resolve("a/tls.crt"), mixed.resolve("tls.crt"));
    Files.copy(tmp.resolve("b/tls.key"), mixed.resolve("tls.key"));

    try (KubernetesClient client = unusedClient()) {
      var error =
          assertThrows(IllegalStateException.class, () -> NodeMaintenanceWebhook.start(client, WebhookConfig.on(0, mixed)));

      assertTrue(error.getMessage().contains("is not the key of the certificate"), error.getMessage());
      assertTrue(error.getMessage().contains("RUNBOOK_WEBHOOK_CERT_DIR"), error.getMessage());
    }
  }

  @Test
  @DisplayName("a file that is not PEM is refused at start")
  void notPem() throws Exception {
    Files.writeString(tmp.resolve("tls.crt"), "hello");
    Files.writeString(tmp.resolve("tls.key"), "world");

    try (KubernetesClient client = unusedClient()) {
      var error =
          assertThrows(IllegalStateException.class, () -> NodeMaintenanceWebhook.start(client, WebhookConfig.on(0, tmp)));

      assertTrue(error.getMessage().startsWith("cannot load the webhook certificate from"), error.getMessage());
    }
  }

  @Test
  @DisplayName("a disabled config cannot be started by mistake")
  void disabledDoesNotStart() {
    try (KubernetesClient client = unusedClient()) {
      var error =
          assertThrows(IllegalArgumentException.class, () -> NodeMaintenanceWebhook.start(client, WebhookConfig.disabled()));

      assertTrue(error.getMessage().contains("RUNBOOK_WEBHOOK_PORT"), error.getMessage());
    }
  }

  /** Start fails before any API call: a client that would reach nothing is enough. */
  private static KubernetesClient unusedClient() {
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:1").build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
