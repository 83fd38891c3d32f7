package dev.runbook.activities;

import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A watch that only wakes the waiting activity: the activity then re-reads the state it cares about, so a missed or
 * duplicated event, or a watch that closed, costs at most one poll interval and never a wrong answer.
 */
final class ChangeSignal<T> implements Watcher<T> {
  private final Semaphore changes = new Semaphore(0);
  private final Predicate<T> interesting;

  ChangeSignal() {
    this(t -> true);
  }

  ChangeSignal(Predicate<T> interesting) {
    this.interesting = interesting;
  }

  @Override
  public void eventReceived(Action action, T resource) {
    if (action == Action.DELETED || resource == null || interesting.test(resource)) {
      wake();
    }
  }

  @Override
  public void onClose(WatcherException cause) {
    wake(); // polling takes over
  }

  void wake() {
    changes.release();
  }

  /** Waits up to {@code timeout} for a change; drains the other changes that came meanwhile. */
  boolean await(Duration timeout) throws InterruptedException {
    boolean changed = changes.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
    changes.drainPermits();
    return changed;
  }
}
