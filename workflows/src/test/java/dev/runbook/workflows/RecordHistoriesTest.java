package dev.runbook.workflows;

import static dev.runbook.workflows.FakeCluster.NODE;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Records the histories {@link NodeMaintenanceReplayTest} replays. Opt-in, and only for a change meant to be
 * incompatible with running workflows: {@code mvn -pl workflows -am test -Dtest=RecordHistoriesTest
 * -DrecordHistories=true -Dsurefire.failIfNoSpecifiedTests=false}, then commit the JSON files.
 */
@EnabledIfSystemProperty(named = "recordHistories", matches = "true")
class RecordHistoriesTest {
  private static final Path HISTORIES = Path.of("src/test/resources/histories");

  final FakeCluster cluster = new FakeCluster();

  @RegisterExtension
  final TestWorkflowExtension temporal =
      Scenarios.workflowOn(cluster)
          .build();

  @AfterEach
  void stopAbandonedWaits() {
    cluster.closed = true;
  }

  @Test
  @DisplayName("records the happy-path history (opt-in)")
  void recordHappyPath(WorkflowClient client, WorkflowOptions options) throws Exception {
    WorkflowOptions withId = options.toBuilder().setWorkflowId(NodeMaintenanceWorkflow.workflowId(NODE)).build();
    Scenarios.happyPath(cluster, client, withId);
    write(client, withId, "happy-path.json");
  }

  @Test
  @DisplayName("records the happy-path history with one eviction slot, every pod queued for it (opt-in)")
  void recordHappyPathWithOneSlot(WorkflowClient client, WorkflowOptions options) throws Exception {
    WorkflowOptions withId = options.toBuilder().setWorkflowId(NodeMaintenanceWorkflow.workflowId(NODE)).build();
    Scenarios.happyPath(cluster, client, withId, 1);
    write(client, withId, "happy-path-one-eviction-slot.json");
  }

  @Test
  @DisplayName("records the drain-blocked-then-escalated history (opt-in)")
  void recordEscalated(WorkflowClient client, WorkflowOptions options) throws Exception {
    WorkflowOptions withId = options.toBuilder().setWorkflowId(NodeMaintenanceWorkflow.workflowId(NODE)).build();
    Scenarios.escalatedVm(cluster, client, withId);
    write(client, withId, "drain-blocked-escalated.json");
  }

  private static void write(WorkflowClient client, WorkflowOptions options, String file) throws Exception {
    Files.createDirectories(HISTORIES);
    Files.writeString(HISTORIES.resolve(file), client.fetchHistory(options.getWorkflowId()).toJson(true));
  }
}
