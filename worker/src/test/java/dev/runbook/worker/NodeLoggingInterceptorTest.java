package dev.runbook.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.runbook.workflows.activities.CordonRequest;
import dev.runbook.workflows.activities.MigrationRequest;
import org.junit.jupiter.api.Test;

class NodeLoggingInterceptorTest {

  @Test
  void theNodeComesFromTheRequestRecord() {
    assertEquals("worker-1", NodeLoggingInterceptor.nodeOf(new Object[] {new CordonRequest("worker-1", "wf", "r")}));
  }

  @Test
  void aMigrationIsLoggedUnderItsSourceNode() {
    assertEquals(
        "worker-2",
        NodeLoggingInterceptor.nodeOf(new Object[] {new MigrationRequest("default", "vm-1", "worker-2", false)}));
  }

  @Test
  void argumentsWithoutANodeLeaveTheContextAlone() {
    assertNull(NodeLoggingInterceptor.nodeOf(new Object[] {"worker-1"}));
    assertNull(NodeLoggingInterceptor.nodeOf(new Object[] {}));
    assertNull(NodeLoggingInterceptor.nodeOf(null));
  }
}
