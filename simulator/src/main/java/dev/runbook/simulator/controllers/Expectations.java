package dev.runbook.simulator.controllers;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Creations a controller has sent but its informer has not shown yet (the real controllers' "expectations"). Without
 * them a reconcile that runs before the watch delivers the new pod would create it a second time. An expectation
 * lapses after a while in case the creation's event was lost.
 */
final class Expectations {
  private static final Duration LAPSE = Duration.ofSeconds(30);

  private final Map<String, Map<String, Long>> pending = new ConcurrentHashMap<>();

  void expect(String owner, String name) {
    pending.computeIfAbsent(owner, o -> new ConcurrentHashMap<>()).put(name, System.nanoTime());
  }

  void forget(String owner, String name) {
    Map<String, Long> names = pending.get(owner);
    if (names != null) {
      names.remove(name);
    }
  }

  void forgetOwner(String owner) {
    pending.remove(owner);
  }

  /** The names still awaited for {@code owner}, after dropping those {@code observed} and those that lapsed. */
  Set<String> awaited(String owner, Predicate<String> observed) {
    Map<String, Long> names = pending.get(owner);
    if (names == null) {
      return Set.of();
    }
    long now = System.nanoTime();
    names.entrySet().removeIf(e -> observed.test(e.getKey()) || now - e.getValue() > LAPSE.toNanos());
    return Set.copyOf(names.keySet());
  }
}
