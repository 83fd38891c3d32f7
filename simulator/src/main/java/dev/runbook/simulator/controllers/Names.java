package dev.runbook.simulator.controllers;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Generated names and hashes in the alphabet Kubernetes uses (no vowels, no look-alike digits). */
final class Names {
  private Names() {}

  private static final String ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  /** {@code base-xxxxx}, as the API server's generateName produces for controllers' pods. */
  static String withRandomSuffix(String base) {
    StringBuilder name = new StringBuilder(base).append('-');
    for (int i = 0; i < 5; i++) {
      name.append(ALPHANUMS.charAt(RANDOM.nextInt(ALPHANUMS.length())));
    }
    return name.toString();
  }

  /**
   * A short stable hash of an object, encoded like the pod-template-hash: FNV-32a of its canonical JSON (keys
   * sorted, so that map ordering cannot change it), each decimal digit mapped into the safe alphabet.
   */
  static String templateHash(Object object) {
    Object tree = Serialization.unmarshal(Serialization.asJson(object), Object.class);
    byte[] bytes = canonical(tree).getBytes(StandardCharsets.UTF_8);
    int hash = 0x811c9dc5;
    for (byte b : bytes) {
      hash ^= (b & 0xff);
      hash *= 0x01000193;
    }
    String digits = Long.toString(Integer.toUnsignedLong(hash));
    StringBuilder encoded = new StringBuilder();
    for (char c : digits.toCharArray()) {
      encoded.append(ALPHANUMS.charAt(c % ALPHANUMS.length()));
    }
    return encoded.toString();
  }

  private static String canonical(Object node) {
    if (node instanceof Map<?, ?> map) {
      Map<String, Object> sorted = new TreeMap<>();
      map.forEach((k, v) -> sorted.put(String.valueOf(k), v));
      return sorted.entrySet().stream()
          .map(e -> '"' + e.getKey() + "\":" + canonical(e.getValue()))
          .collect(Collectors.joining(",", "{", "}"));
    }
    if (node instanceof List<?> list) {
      return list.stream().map(Names::canonical).collect(Collectors.joining(",", "[", "]"));
    }
    return node instanceof String s ? '"' + s + '"' : String.valueOf(node);
  }
}
