package dev.runbook.simulator.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the score board keeps every decision and summarises it")
class ScoreBoardTest {

  @Test
  @DisplayName("eviction answers are counted by code, and violations make the report unclean and loud")
  void summary() {
    ScoreBoard board = new ScoreBoard();
    board.eviction("shop", "db-0", "u1", 429, "shop/db", "Cannot evict pod");
    board.eviction("shop", "db-0", "u1", 201, "shop/db", "Success");
    board.eviction("shop", "web-1", "u2", 201, null, "Success");
    board.pdbDecision("shop", "db", "db-0", false, 0);
    board.pdbDecision("shop", "db", "db-0", true, 1);
    board.vmFate("vms", "rhel-db-live", "migrated to worker-2");
    board.migration("vms", "rhel-db-live", "evacuation-x", "Succeeded", "worker-1", "worker-2");

    ScoreReport clean = board.report();
    assertTrue(clean.clean());
    assertEquals(Map.of("201", 2L, "429", 1L), clean.evictionAnswersByCode());
    assertTrue(clean.summary().contains("PDB decisions: 2 (1 allowed, 1 refused)"), clean.summary());
    assertTrue(clean.summary().contains("vm vms/rhel-db-live: migrated to worker-2"), clean.summary());

    board.violation("PDB overrun", "shop/db: 2 of 3 pods unavailable, maxUnavailable 1");
    ScoreReport broken = board.report();
    assertFalse(broken.clean());
    assertTrue(broken.summary().contains("VIOLATIONS: 1"), broken.summary());
    assertTrue(clean.violations().isEmpty(), "a report is a snapshot");
  }
}
