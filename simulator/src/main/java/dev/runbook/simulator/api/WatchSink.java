package dev.runbook.simulator.api;

import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/** One open watch: what it selects and where its events go. {@code offer} must not block. */
public interface WatchSink {
  String storageKey();

  /** null = all namespaces. */
  String namespace();

  Predicate<JsonNode> filter();

  /**
   * Queue an event; false when the watch has gone away (the store then forgets it). The object is the same instance
   * for every watcher of the event: read it, never change it.
   */
  boolean offer(String type, WatchObject object);
}
