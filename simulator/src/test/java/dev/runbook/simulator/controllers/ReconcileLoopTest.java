package dev.runbook.simulator.controllers;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ReconcileLoop with several workers")
class ReconcileLoopTest {

  @Test
  @DisplayName("different keys are reconciled at the same time")
  void differentKeysAreReconciledAtTheSameTime() throws Exception {
    CountDownLatch bothRunning = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    try (ReconcileLoop loop =
        new ReconcileLoop(
            "test",
            key -> {
              bothRunning.countDown();
              release.await(10, TimeUnit.SECONDS);
            },
            2)) {
      loop.start();
      loop.enqueue("a");
      loop.enqueue("b");

      assertTrue(bothRunning.await(10, TimeUnit.SECONDS), "the second key waited for the first");
      release.countDown();
    }
  }

  @Test
  @DisplayName("a key queued again while it is reconciled waits for that reconcile, then runs once more")
  void aKeyIsNeverReconciledTwiceAtOnce() throws Exception {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch firstStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Set<String> seen = ConcurrentHashMap.newKeySet();
    try (ReconcileLoop loop =
        new ReconcileLoop(
            "test",
            key -> {
              mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
              seen.add(key);
              if (runs.incrementAndGet() == 1) {
                firstStarted.countDown();
                release.await(10, TimeUnit.SECONDS);
              }
              running.decrementAndGet();
            },
            4)) {
      loop.start();
      loop.enqueue("a");
      assertTrue(firstStarted.await(10, TimeUnit.SECONDS));
      loop.enqueue("a");
      loop.enqueue("a");
      release.countDown();

      await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 2 && running.get() == 0);
      assertEquals(1, mostAtOnce.get(), "two workers reconciled the same key at once");
      assertEquals(Set.of("a"), seen);
    }
  }
}
