package dev.runbook.worker.nodemaintenance;

import io.fabric8.kubernetes.client.internal.CertUtils;
import java.io.IOException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook's server certificate from PEM files, re-read when they change: cert-manager and service-ca renew the
 * Secret in place, and the kubelet swaps the mounted files, so a long-running worker must pick up the new pair
 * without a restart. The files are checked on each TLS handshake (two stat calls); a pair that does not load (caught
 * half-written, or mismatched) is logged and the previous one is kept.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private static final Logger log = LoggerFactory.getLogger(ReloadingKeyManager.class);

  private final Path certFile;
  private final Path keyFile;
  private final String certDirVariable;
  private volatile Material current;
  /** The pair before the last reload: a handshake that chose its alias just before the swap still finds its key. */
  private volatile Material previous;

  private record Stamp(FileTime certModified, long certSize, FileTime keyModified, long keySize) {}

  private record Material(String alias, Stamp stamp, PrivateKey key, X509Certificate[] chain) {}

  /**
   * @throws IllegalStateException naming {@code certDirVariable} and the file when the pair is missing or unreadable
   */
  ReloadingKeyManager(Path certFile, Path keyFile, String certDirVariable) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.certDirVariable = certDirVariable;
    for (Path file : List.of(certFile, keyFile)) {
      if (!Files.isReadable(file)) {
        throw new IllegalStateException(
            "webhook TLS file " + file + " is missing or unreadable: mount the webhook certificate Secret (keys "
                + WebhookConfig.CERT_FILE + " and " + WebhookConfig.KEY_FILE + ") there, or point " + certDirVariable
                + " at the directory that holds them");
      }
    }
    try {
      current = load(stamp(), 1);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot load the webhook certificate from " + certFile + " and " + keyFile + " (" + certDirVariable
              + "): " + describe(e),
          e);
    }
  }

  /** The certificate served now (after a reload check). */
  X509Certificate certificate() {
    return refreshed().chain()[0];
  }

  private Material refreshed() {
    Material now = current;
    Stamp stamp;
    try {
      stamp = stamp();
    } catch (IOException e) {
      return now; // mid-swap: the kubelet replaces the files through a symlink; the next handshake sees them
    }
    if (stamp.equals(now.stamp())) {
      return now;
    }
    synchronized (this) {
      if (!stamp.equals(current.stamp())) {
        try {
          Material loaded = load(stamp, generation(current) + 1);
          previous = current;
          current = loaded;
          log.info("webhook certificate reloaded from {}: {}", certFile, loaded.chain()[0].getSubjectX500Principal());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
          log.warn("webhook certificate files changed but do not load, keeping the previous pair: {}", describe(e));
          // remember the stamp so a broken pair is not re-parsed on every handshake
          current = new Material(current.alias(), stamp, current.key(), current.chain());
        }
      }
      return current;
    }
  }

  private static int generation(Material material) {
    return Integer.parseInt(material.alias().substring(material.alias().lastIndexOf('-') + 1));
  }

  private Stamp stamp() throws IOException {
    return new Stamp(
        Files.getLastModifiedTime(certFile), Files.size(certFile), Files.getLastModifiedTime(keyFile), Files.size(keyFile));
  }

  private Material load(Stamp stamp, int generation) throws IOException, GeneralSecurityException {
    String keyPem = Files.readString(keyFile, StandardCharsets.US_ASCII);
    // PKCS#1 and SEC1 name their algorithm; PKCS#8 ("PRIVATE KEY") does not, so both readers are tried
    List<String> algorithms =
        keyPem.contains("BEGIN RSA PRIVATE KEY")
            ? List.of("RSA")
            : keyPem.contains("BEGIN EC PRIVATE KEY") ? List.of("EC") : List.of("RSA", "EC");
    char[] password = "webhook".toCharArray();
    Exception firstFailure = null;
    for (String algorithm : algorithms) {
      try (InputStream cert = Files.newInputStream(certFile);
          InputStream key = new ByteArrayInputStream(keyPem.getBytes(StandardCharsets.US_ASCII))) {
        // fabric8's PEM reader: PKCS#8, PKCS#1 and SEC1 keys
        KeyStore store = CertUtils.createKeyStore(cert, key, algorithm, password, null, password);
        for (String alias : Collections.list(store.aliases())) {
          if (store.getKey(alias, password) instanceof PrivateKey privateKey) {
            X509Certificate[] chain = x509(store.getCertificateChain(alias));
            requirePair(privateKey, chain[0]);
            return new Material("webhook-" + generation, stamp, privateKey, chain);
          }
        }
        throw new GeneralSecurityException(WebhookConfig.KEY_FILE + " holds no private key");
      } catch (IOException | RuntimeException | java.security.spec.InvalidKeySpecException e) {
        // not this algorithm's encoding (fabric8 reports a bad DER as a KubernetesClientException)
        firstFailure = firstFailure == null ? e : firstFailure;
      }
    }
    throw new GeneralSecurityException(
        WebhookConfig.KEY_FILE + " is not a PEM RSA or EC private key, or " + WebhookConfig.CERT_FILE
            + " not a PEM certificate: " + describe(firstFailure),
        firstFailure);
  }

  /**
   * The two files are replaced one after the other (by hand, or by a tool that does not swap a directory): serving a
   * certificate with the other's key would fail every handshake, so a pair that does not sign-and-verify is refused.
   */
  private static void requirePair(PrivateKey key, X509Certificate cert) throws GeneralSecurityException {
    String algorithm = key.getAlgorithm();
    if (!Objects.equals(cert.getPublicKey().getAlgorithm(), algorithm)) {
      throw new GeneralSecurityException(
          WebhookConfig.KEY_FILE + " holds a " + algorithm + " key but " + WebhookConfig.CERT_FILE + " a "
              + cert.getPublicKey().getAlgorithm() + " certificate");
    }
    byte[] probe = "runbook-webhook".getBytes(StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance("EC".equals(algorithm) ? "SHA256withECDSA" : "SHA256withRSA");
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    signer.initVerify(cert.getPublicKey());
    signer.update(probe);
    if (!signer.verify(signature)) {
      throw new GeneralSecurityException(
          WebhookConfig.KEY_FILE + " is not the key of the certificate in " + WebhookConfig.CERT_FILE
              + " (" + cert.getSubjectX500Principal() + ")");
    }
  }

  private static X509Certificate[] x509(Certificate[] chain) throws GeneralSecurityException {
    if (chain == null || chain.length == 0) {
      throw new GeneralSecurityException(WebhookConfig.CERT_FILE + " holds no certificate");
    }
    List<X509Certificate> certs = new ArrayList<>();
    for (Certificate c : chain) {
      certs.add((X509Certificate) c);
    }
    return certs.toArray(X509Certificate[]::new);
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private Material byAlias(String alias) {
    Material now = current;
    if (now.alias().equals(alias)) {
      return now;
    }
    Material before = previous;
    return before != null && before.alias().equals(alias) ? before : null;
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return chooseFor(keyType);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return chooseFor(keyType);
  }

  private String chooseFor(String keyType) {
    Material material = refreshed();
    // The JDK asks once per key type it could use ("RSA", "EC", "RSASSA-PSS"...): answer only for our key's type.
    String ours = material.key().getAlgorithm();
    return keyType == null || keyType.equals(ours) ? material.alias() : null;
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String alias = chooseFor(keyType);
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Material material = byAlias(alias);
    return material == null ? null : Arrays.copyOf(material.chain(), material.chain().length);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Material material = byAlias(alias);
    return material == null ? null : material.key();
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null; // a server only
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
