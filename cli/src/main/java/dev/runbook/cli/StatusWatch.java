package dev.runbook.cli;

import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.Stage;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Polls the status query until a stop condition; the one loop behind {@code status --watch} and {@code start --wait}. */
public final class StatusWatch {
  public static final Duration INTERVAL = Duration.ofSeconds(1);

  private final MaintenanceClient maintenance;
  private final CliContext.Sleeper sleeper;

  public StatusWatch(MaintenanceClient maintenance, CliContext.Sleeper sleeper) {
    this.maintenance = maintenance;
    this.sleeper = sleeper;
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
    while (true) {
      MaintenanceStatus current = maintenance.status(node);
      onPoll.polled(current, !Objects.equals(current, previous));
      if (done.test(current)) {
        return current;
      }
      previous = current;
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
  }
}
