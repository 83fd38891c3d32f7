package dev.runbook.simulator.controllers;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A de-duplicating work queue with one worker, as client-go's workqueue is for a real controller: a key queued
 * many times while waiting is reconciled once, a key is never reconciled by two threads at once, and a failed
 * reconcile (a 409 from a concurrent writer, a 404 of an object that just went away, a dropped connection) is
 * retried with a growing back-off. Back-off is wall-clock time: it paces API calls, it is no scenario duration.
 */
final class ReconcileLoop implements AutoCloseable {
  interface Reconciler {
    void reconcile(String key) throws Exception;
  }

  private static final Logger LOG = LoggerFactory.getLogger(ReconcileLoop.class);
  private static final long FIRST_RETRY_MILLIS = 20;
  private static final long MAX_RETRY_MILLIS = 2_000;

  private final String name;
  private final Reconciler reconciler;
  private final LinkedHashSet<String> queue = new LinkedHashSet<>();
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();
  private final ScheduledExecutorService delays;
  private final Thread worker;
  private volatile boolean closed;

  ReconcileLoop(String name, Reconciler reconciler) {
    this.name = name;
    this.reconciler = reconciler;
    this.delays =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, name + "-requeue");
              t.setDaemon(true);
              return t;
            });
    this.worker = new Thread(this::work, name + "-reconcile");
    this.worker.setDaemon(true);
  }

  void start() {
    worker.start();
  }

  void enqueue(String key) {
    if (key == null || closed) {
      return;
    }
    synchronized (queue) {
      if (queue.add(key)) {
        queue.notifyAll();
      }
    }
  }

  /** Queue {@code key} again after a wall-clock delay (used for expiries that are not simulated time). */
  void enqueueAfter(String key, Duration delay) {
    if (!closed) {
      delays.schedule(() -> enqueue(key), Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
    }
  }

  private void work() {
    while (!closed) {
      String key;
      synchronized (queue) {
        while (queue.isEmpty() && !closed) {
          try {
            queue.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        Iterator<String> it = queue.iterator();
        key = it.next();
        it.remove();
      }
      try {
        reconciler.reconcile(key);
        failures.remove(key);
      } catch (Exception | AssertionError e) {
        if (closed) {
          return;
        }
        int attempt = failures.merge(key, 1, Integer::sum);
        long backoff = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(attempt - 1, 10));
        if (attempt > 3) {
          LOG.debug("{}: reconcile of {} failed (attempt {}), retrying in {} ms: {}", name, key, attempt, backoff, e.toString());
        }
        enqueueAfter(key, Duration.ofMillis(backoff));
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    synchronized (queue) {
      queue.notifyAll();
    }
    worker.interrupt();
    delays.shutdownNow();
  }
}
