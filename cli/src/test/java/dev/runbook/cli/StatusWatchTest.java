package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.Stage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("StatusWatch: polls until settled and rides out transient failures")
class StatusWatchTest {
  private static MaintenanceStatus at(Stage stage) {
    return new MaintenanceStatus(
        "worker-1", null, stage, null, 0, 0, List.of(), List.of(), 0, null, null, 0, null, null, false, List.of(), List.of(), List.of());
  }

  /** Answers from a script: a status, or a CliException to throw. */
  private static StatusWatch scripted(Deque<Object> answers, int patience) {
    return new StatusWatch(
        node -> {
          Object next = answers.poll();
          if (next instanceof CliException e) {
            throw e;
          }
          return (MaintenanceStatus) next;
        },
        d -> {},
        patience);
  }

  private static CliException transientFailure() {
    return new CliException(ExitCode.FAILED, "no worker answered", null, true);
  }

  @Test
  void reportsOnlyChangesAndStopsAtTheFirstSettledStatus() {
    Deque<Object> answers =
        new ArrayDeque<>(List.of(at(Stage.CORDONING), at(Stage.DRAINING), at(Stage.DRAINING), at(Stage.AWAITING_RESUME), at(Stage.COMPLETED)));
    List<Stage> seen = new ArrayList<>();

    MaintenanceStatus last = scripted(answers, 3).until("worker-1", StatusWatch::settled, s -> seen.add(s.stage()));

    assertEquals(Stage.AWAITING_RESUME, last.stage());
    assertEquals(List.of(Stage.CORDONING, Stage.DRAINING, Stage.AWAITING_RESUME), seen);
    assertEquals(1, answers.size(), "stopped polling once settled");
  }

  @Test
  void keepsWatchingThroughTransientFailures() {
    Deque<Object> answers = new ArrayDeque<>(List.of(at(Stage.DRAINING), transientFailure(), transientFailure(), at(Stage.COMPLETED)));
    List<String> troubles = new ArrayList<>();

    MaintenanceStatus last =
        scripted(answers, 2)
            .until(
                "worker-1",
                StatusWatch::settled,
                new StatusWatch.PollListener() {
                  @Override
                  public void polled(MaintenanceStatus status, boolean changed) {}

                  @Override
                  public void troubled(String message) {
                    troubles.add(message);
                  }
                });

    assertEquals(Stage.COMPLETED, last.stage());
    assertEquals(List.of("no worker answered", "no worker answered"), troubles);
  }

  @Test
  void givesUpAfterItsPatienceAndOnAnyLastingFailure() {
    CliException third = transientFailure();
    Deque<Object> flaky = new ArrayDeque<>(List.of(transientFailure(), transientFailure(), third));
    assertSame(third, assertThrows(CliException.class, () -> scripted(flaky, 2).until("worker-1", StatusWatch::settled, s -> {})));

    CliException notFound = CliException.failed("no maintenance of node worker-1");
    Deque<Object> gone = new ArrayDeque<>(List.of(notFound));
    assertSame(notFound, assertThrows(CliException.class, () -> scripted(gone, 5).until("worker-1", StatusWatch::settled, s -> {})));
  }

  @Test
  void aDrainBlockedPastItsDeadlineNeedsTheOperator() {
    assertEquals(true, StatusWatch.needsOperatorOrSettled(at(Stage.DRAIN_BLOCKED)));
    assertEquals(false, StatusWatch.needsOperatorOrSettled(at(Stage.DRAINING)));
    assertEquals(false, StatusWatch.settled(at(Stage.DRAIN_BLOCKED)));
  }
}
