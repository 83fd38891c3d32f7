package dev.runbook.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerConfigTest {

  @Test
  void noVariablesGiveTheContractTaskQueueAndDefaults() {
    WorkerConfig config = WorkerConfig.fromEnvironment(Map.of());

    assertEquals("node-maintenance", config.taskQueue());
    assertEquals(WorkerConfig.defaults(), config);
  }

  @Test
  void variablesOverrideTaskQueueSlotsAndShutdownGrace() {
    WorkerConfig config =
        WorkerConfig.fromEnvironment(
            Map.of(
                "RUNBOOK_TASK_QUEUE", "maintenance-eu",
                "RUNBOOK_MAX_CONCURRENT_ACTIVITIES", "64",
                "RUNBOOK_MAX_CONCURRENT_WORKFLOW_TASKS", "4",
                "RUNBOOK_SHUTDOWN_GRACE_SECONDS", "5",
                "RUNBOOK_WORKFLOW_CACHE_SIZE", "0"));

    assertEquals(new WorkerConfig("maintenance-eu", 64, 4, Duration.ofSeconds(5), 0), config);
  }

  @Test
  void aNonNumericSlotCountIsRefusedNamingTheVariable() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> WorkerConfig.fromEnvironment(Map.of("RUNBOOK_MAX_CONCURRENT_ACTIVITIES", "lots")));

    assertTrue(e.getMessage().contains("RUNBOOK_MAX_CONCURRENT_ACTIVITIES='lots'"), e.getMessage());
    assertTrue(e.getMessage().contains("positive whole number"), e.getMessage());
  }

  @Test
  void zeroSlotsAndAnEmptyTaskQueueAreRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> WorkerConfig.fromEnvironment(Map.of("RUNBOOK_MAX_CONCURRENT_WORKFLOW_TASKS", "0")));
    assertThrows(IllegalArgumentException.class, () -> WorkerConfig.fromEnvironment(Map.of("RUNBOOK_TASK_QUEUE", " ")));
  }
}
