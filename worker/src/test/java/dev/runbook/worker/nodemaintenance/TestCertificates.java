package dev.runbook.worker.nodemaintenance;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Throwaway self-signed server certificates for localhost, made at test time with openssl, else the JDK's keytool:
 * PKCS#8 keys (what cert-manager writes with {@code encoding: PKCS8}) and PKCS#1 keys (cert-manager's default and
 * service-ca's format; openssl only). A test that needs a tool that is not installed is skipped, not failed.
 */
final class TestCertificates {
  private TestCertificates() {}

  enum KeyFormat {
    PKCS8,
    PKCS1,
    /** ECDSA P-256 in SEC1 ("EC PRIVATE KEY"), what cert-manager writes for {@code algorithm: ECDSA}. */
    EC
  }

  /** Writes {@code tls.crt} and {@code tls.key} into {@code dir}, replacing them the way the kubelet does (rename). */
  static X509Certificate issue(Path dir, String commonName, KeyFormat format) throws Exception {
    Files.createDirectories(dir);
    Path work = Files.createTempDirectory(dir.getParent(), "cert-work");
    if (onPath("openssl")) { // a tenth of keytool's time: no JVM to start
      List<String> newKey = format == KeyFormat.EC ? List.of("ec", "-pkeyopt", "ec_paramgen_curve:prime256v1") : List.of("rsa:2048");
      List<String> req = new ArrayList<>(List.of("openssl", "req", "-x509", "-newkey", newKey.get(0)));
      req.addAll(newKey.subList(1, newKey.size()));
      req.addAll(List.of("-nodes", "-keyout", "pkcs8.key", "-out", "tls.crt", "-days", "2", "-subj", "/CN=" + commonName,
          "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"));
      run(work, req.toArray(String[]::new));
      String header =
          switch (format) {
            case PKCS1 -> "-----BEGIN RSA PRIVATE KEY-----";
            case EC -> "-----BEGIN EC PRIVATE KEY-----";
            case PKCS8 -> "-----BEGIN PRIVATE KEY-----";
          };
      switch (format) {
        case PKCS1 -> run(work, "openssl", "rsa", "-in", "pkcs8.key", "-traditional", "-out", "tls.key");
        case EC -> run(work, "openssl", "ec", "-in", "pkcs8.key", "-out", "tls.key");
        case PKCS8 -> run(work, "openssl", "pkey", "-in", "pkcs8.key", "-out", "tls.key");
      }
      assumeTrue(Files.readString(work.resolve("tls.key")).startsWith(header), "this openssl does not write " + format);
    } else {
      assumeTrue(format == KeyFormat.PKCS8, "openssl is not installed: cannot write a " + format + " key");
      Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
      assumeTrue(Files.isExecutable(keytool), "no keytool in this JRE");
      run(work, keytool.toString(), "-genkeypair", "-alias", "webhook", "-keyalg", "RSA", "-keysize", "2048",
          "-dname", "CN=" + commonName, "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
          "-storetype", "PKCS12", "-keystore", "store.p12", "-storepass", "changeit", "-keypass", "changeit");
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(work.resolve("store.p12"))) {
        store.load(in, "changeit".toCharArray());
      }
      Files.writeString(work.resolve("tls.crt"), pem("CERTIFICATE", store.getCertificate("webhook").getEncoded()));
      Files.writeString(work.resolve("tls.key"), pem("PRIVATE KEY", store.getKey("webhook", "changeit".toCharArray()).getEncoded()));
    }
    Files.move(work.resolve("tls.key"), dir.resolve("tls.key"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Files.move(work.resolve("tls.crt"), dir.resolve("tls.crt"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return read(dir.resolve("tls.crt"));
  }

  static X509Certificate read(Path certFile) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(certFile)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  /** An HTTP client that trusts exactly {@code trusted} (as the API server trusts the caBundle) and no one else. */
  static HttpClient clientTrusting(X509Certificate... trusted) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    for (int i = 0; i < trusted.length; i++) {
      trust.setCertificateEntry("ca-" + i, trusted[i]);
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, factory.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build();
  }

  private static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }

  static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  private static void run(Path dir, String... command) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of(command));
    Process process = new ProcessBuilder(args).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", args) + " failed: " + output);
    }
  }
}
