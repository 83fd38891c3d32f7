package dev.runbook.simulator.controllers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A de-duplicating work queue with one worker (or a few, each on its own key), as client-go's workqueue is for a
 * real controller: a key queued many times while waiting is reconciled once, a key is never reconciled by two
 * threads at once, and a failed
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
  /** Keys being reconciled: a key is never reconciled by two workers at once; queued again, it waits its turn. */
  private final Set<String> inFlight = new HashSet<>();
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();
  private final ScheduledExecutorService delays;
  private final List<Thread> workers = new ArrayList<>();
  private volatile boolean closed;

  ReconcileLoop(String name, Reconciler reconciler) {
    this(name, reconciler, 1);
  }

  /**
   * @param workers reconciles run at once, each on a different key; more than one only for a reconciler that is safe
   *     to call concurrently
   */
  ReconcileLoop(String name, Reconciler reconciler, int workers) {
    this.name = name;
    this.reconciler = reconciler;
    this.delays =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, name + "-requeue");
              t.setDaemon(true);
              return t;
            });
    for (int i = 0; i < workers; i++) {
      Thread worker = new Thread(this::work, name + "-reconcile" + (workers == 1 ? "" : "-" + i));
      worker.setDaemon(true);
      this.workers.add(worker);
    }
  }

  void start() {
    workers.forEach(Thread::start);
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
        while ((key = nextIdleKey()) == null && !closed) {
          try {
            queue.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        inFlight.add(key);
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
      } finally {
        synchronized (queue) {
          inFlight.remove(key);
          queue.notifyAll(); // the key may have been queued again meanwhile
        }
      }
    }
  }

  /** The oldest queued key no worker is on, removed from the queue; null if there is none. Holds the queue's lock. */
  private String nextIdleKey() {
    for (Iterator<String> it = queue.iterator(); it.hasNext(); ) {
      String key = it.next();
      if (!inFlight.contains(key)) {
        it.remove();
        return key;
      }
    }
    return null;
  }

  @Override
  public void close() {
    closed = true;
    synchronized (queue) {
      queue.notifyAll();
    }
    workers.forEach(Thread::interrupt);
    delays.shutdownNow();
  }
}
