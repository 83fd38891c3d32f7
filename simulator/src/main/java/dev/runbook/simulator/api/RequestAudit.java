package dev.runbook.simulator.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every API request the simulated apiserver served, as RBAC sees it: who asked (the User-Agent), the verb
 * (get, list, watch, create, update, patch, delete, deletecollection), API group, resource, subresource, namespace
 * and name. It is there to check a client against its least-privilege role, so it keeps distinct requests with a
 * count, not a log: memory grows with the variety of requests, not their number. Past {@link #MAX_DISTINCT}
 * distinct entries, new ones are kept without their name, which still bounds memory while hiding no verb or
 * resource a client used.
 */
public final class RequestAudit {
  public static final int MAX_DISTINCT = 50_000;

  /**
   * One kind of request and how often it was served. Strings absent from a request are "" (the core group, a
   * cluster-scoped or collection request); a non-resource request ({@code /api}, {@code /version}) has an empty
   * resource and its path as {@code nonResourceUrl}.
   */
  public record Entry(String userAgent, String verb, String apiGroup, String resource, String subresource,
      String namespace, String name, String nonResourceUrl, long count) {}

  private final Map<Entry, LongAdder> counts = new ConcurrentHashMap<>();
  private final int maxDistinct;

  public RequestAudit() {
    this(MAX_DISTINCT);
  }

  RequestAudit(int maxDistinct) {
    this.maxDistinct = maxDistinct;
  }

  void resource(String userAgent, String verb, String apiGroup, String resource, String subresource,
      String namespace, String name) {
    Entry key = new Entry(nz(userAgent), verb, nz(apiGroup), nz(resource), nz(subresource), nz(namespace), nz(name),
        "", 0);
    if (!counts.containsKey(key) && counts.size() >= maxDistinct) {
      key = new Entry(key.userAgent(), verb, key.apiGroup(), key.resource(), key.subresource(), key.namespace(), "",
          "", 0);
    }
    counts.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  void nonResource(String userAgent, String verb, String path) {
    Entry key = new Entry(nz(userAgent), verb, "", "", "", "", "", path, 0);
    if (!counts.containsKey(key) && counts.size() >= maxDistinct) {
      return;
    }
    counts.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  /** What was served so far, sorted by user agent, group, resource, verb, namespace and name. */
  public List<Entry> snapshot() {
    List<Entry> entries = new ArrayList<>();
    counts.forEach((k, v) -> entries.add(new Entry(k.userAgent(), k.verb(), k.apiGroup(), k.resource(),
        k.subresource(), k.namespace(), k.name(), k.nonResourceUrl(), v.sum())));
    entries.sort(Comparator.comparing(Entry::userAgent).thenComparing(Entry::apiGroup)
        .thenComparing(Entry::resource).thenComparing(Entry::subresource).thenComparing(Entry::verb)
        .thenComparing(Entry::namespace).thenComparing(Entry::name).thenComparing(Entry::nonResourceUrl));
    return List.copyOf(entries);
  }

  /** As JSON, optionally only the user agents that start with a prefix: {@code {"items": [...]}}. */
  ObjectNode toJson(String userAgentPrefix) {
    ObjectNode root = Json.object();
    ArrayNode items = root.putArray("items");
    for (Entry e : snapshot()) {
      if (userAgentPrefix != null && !e.userAgent().startsWith(userAgentPrefix)) {
        continue;
      }
      ObjectNode item = items.addObject();
      item.put("userAgent", e.userAgent());
      item.put("verb", e.verb());
      if (e.nonResourceUrl().isEmpty()) {
        item.put("apiGroup", e.apiGroup());
        item.put("resource", e.resource());
        item.put("subresource", e.subresource());
        item.put("namespace", e.namespace());
        item.put("name", e.name());
      } else {
        item.put("nonResourceURL", e.nonResourceUrl());
      }
      item.put("count", e.count());
    }
    return root;
  }

  @Override
  public String toString() {
    return Objects.toString(snapshot());
  }
}
