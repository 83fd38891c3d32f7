package dev.runbook.cli;

import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.Stage;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Polls the status query until a stop condition; the one loop behind {@code status --watch}, {@code start --wait}
 * and the demo. A maintenance outlives worker restarts and Temporal blips, so the watch does too: transient
 * failures are reported and retried, up to {@link #DEFAULT_PATIENCE} in a row.
 */
public final class StatusWatch {
  public static final Duration INTERVAL = Duration.ofSeconds(1);
  public static final int DEFAULT_PATIENCE = 60;

  private final Function<String, MaintenanceStatus> statusOf;
  private final CliContext.Sleeper sleeper;
  private final int patience;

  public StatusWatch(MaintenanceClient maintenance, CliContext.Sleeper sleeper) {
    this(maintenance::status, sleeper, DEFAULT_PATIENCE);
  }

  /** @param patience consecutive transient failures tolerated before giving up */
  public StatusWatch(Function<String, MaintenanceStatus> statusOf, CliContext.Sleeper sleeper, int patience) {
    this.statusOf = statusOf;
    this.sleeper = sleeper;
    this.patience = patience;
  }

  /** The node is out of the drain: drained and waiting for resume, or the maintenance ended. */
  public static boolean settled(MaintenanceStatus s) {
    return s.stage() == Stage.AWAITING_RESUME || (s.stage() != null && s.stage().isFinal());
  }

  /** Settled, or stuck until an operator acts (drain blocked past its deadline). */
  public static boolean needsOperatorOrSettled(MaintenanceStatus s) {
    return settled(s) || s.stage() == Stage.DRAIN_BLOCKED || (s.awaitingOperator() && s.stage() == Stage.DRAINING);
  }

  /**
   * Polls every {@link #INTERVAL}; {@code onPoll} sees every answer with whether it differs from the previous one
   * (a terminal redraws anyway, a pipe only prints changes). Returns the answer that met {@code done}.
   */
  public MaintenanceStatus until(String node, Predicate<MaintenanceStatus> done, PollListener onPoll) {
    MaintenanceStatus previous = null;
    int failures = 0;
    while (true) {
      MaintenanceStatus current = null;
      try {
        current = statusOf.apply(node);
        failures = 0;
      } catch (CliException e) {
        if (!e.isTransient() || ++failures > patience) {
          throw e;
        }
        onPoll.troubled(e.getMessage());
      }
      if (current != null) {
        onPoll.polled(current, !Objects.equals(current, previous));
        if (done.test(current)) {
          return current;
        }
        previous = current;
      }
      try {
        sleeper.sleep(INTERVAL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CliException.failed("interrupted while watching node " + node);
      }
    }
  }

  public MaintenanceStatus until(String node, Predicate<MaintenanceStatus> done, Consumer<MaintenanceStatus> onChange) {
    return until(node, done, (s, changed) -> {
      if (changed) {
        onChange.accept(s);
      }
    });
  }

  @FunctionalInterface
  public interface PollListener {
    void polled(MaintenanceStatus status, boolean changed);

    /** A poll failed in a way that may pass (worker restarting, Temporal briefly away); the watch goes on. */
    default void troubled(String message) {}
  }
}
