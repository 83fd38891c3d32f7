package dev.runbook.simulator;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Simulated time. Every duration a scenario states (termination, startup, migration) is simulated time; at
 * {@code speed} 10 it passes ten times faster than wall-clock time. Controllers schedule through this clock, never
 * through {@code Thread.sleep} of raw scenario durations.
 */
public final class SimClock implements AutoCloseable {
  private final double speed;
  private final ScheduledExecutorService scheduler;

  public SimClock(double speed) {
    if (!(speed > 0)) {
      throw new IllegalArgumentException("--speed must be a positive factor (10 = ten times faster), got " + speed);
    }
    this.speed = speed;
    this.scheduler =
        Executors.newScheduledThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "sim-clock");
              t.setDaemon(true);
              return t;
            });
  }

  public double speed() {
    return speed;
  }

  /** The wall-clock length of a simulated duration. */
  public Duration toReal(Duration simulated) {
    return Duration.ofNanos((long) (simulated.toNanos() / speed));
  }

  /** Run {@code task} once {@code simulated} time has passed. */
  public ScheduledFuture<?> after(Duration simulated, Runnable task) {
    return scheduler.schedule(task, toReal(simulated).toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
