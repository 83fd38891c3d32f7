package dev.runbook.simulator.api;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.node.ObjectNode;

/**
 * An object of a watch event as every watcher it goes to sees it: copied out of storage once, and written as a JSON
 * event line once per event type, on the first watcher's own thread rather than under the store's lock. With a dozen
 * watches on pods, copying and serialising per watcher was most of the cost of a pod write. Read only: it is shared.
 */
public final class WatchObject {
  private final ObjectNode node;
  private final Map<String, byte[]> lines = new ConcurrentHashMap<>(4);

  WatchObject(ObjectNode node) {
    this.node = node;
  }

  /** The object (apiVersion and kind set); shared by every watcher, so never to be changed. */
  public ObjectNode node() {
    return node;
  }

  /** {@code {"type":...,"object":...}} and a newline, as a watch stream carries it. */
  public byte[] line(String eventType) {
    return lines.computeIfAbsent(
        eventType,
        t -> {
          ObjectNode event = Json.object();
          event.put("type", t);
          event.set("object", node);
          return (Json.write(event) + "\n").getBytes(StandardCharsets.UTF_8);
        });
  }
}
