package dev.runbook.workflows;

import static dev.runbook.workflows.FakeCluster.NODE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.workflows.activities.EvictionBatchRequest;
import dev.runbook.workflows.activities.PodAction;
import dev.runbook.workflows.model.MaintenanceRequest;
import dev.runbook.workflows.model.MaintenanceResult;
import dev.runbook.workflows.model.PodRef;
import dev.runbook.workflows.model.PodState;
import dev.runbook.workflows.model.Stage;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.testing.TestWorkflowExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a finished run's history looks like in the Web UI, and that it stays small. */
class NodeMaintenanceHistoryTest {
  private static final int PLAIN_PODS = 24;
  private static final int VM_PODS = 3;

  final FakeCluster cluster = new FakeCluster();

  @RegisterExtension
  final TestWorkflowExtension temporal =
      Scenarios.workflowOn(cluster)
          .build();

  private WorkflowClient client;
  private WorkflowOptions options;

  @BeforeEach
  void connect(WorkflowClient client, WorkflowOptions options) {
    this.client = client;
    this.options = options.toBuilder().setWorkflowId(NodeMaintenanceWorkflow.workflowId(NODE)).build();
  }

  @AfterEach
  void stopAbandonedWaits() {
    cluster.closed = true;
  }

  @Test
  @DisplayName("the pods are evicted by one activity that names each of them, each VM's migration by one of its own")
  void oneBatchNamesEveryPodAndOneActivityPerMigration() {
    List<HistoryEvent> history = drainManyPods();
    List<String> summaries = scheduledSummaries(history);

    List<String> batch = batchInput(history);
    for (int i = 0; i < PLAIN_PODS; i++) {
      assertTrue(batch.contains("default/web-" + i), batch.toString());
    }
    assertEquals(PLAIN_PODS + VM_PODS, batch.size(), batch.toString());
    assertEquals(1, summaries.stream().filter(s -> s.startsWith("evict ")).count(), summaries.toString());
    assertTrue(
        summaries.contains("evict 27 pod(s): vms/virt-launcher-vm-0, vms/virt-launcher-vm-1, vms/virt-launcher-vm-2,"
            + " default/web-0, default/web-1 and 22 more"),
        summaries.toString());
    for (int i = 0; i < VM_PODS; i++) {
      assertEquals(1, count(summaries, "migrate vm vms/vm-" + i), summaries.toString());
    }
  }

  @Test
  @DisplayName("VM evacuations come first in the batch, before ordinary pods listed ahead of them in the plan")
  void longestChainsStartFirst() {
    List<String> batch = batchInput(drainManyPods());

    int firstVm = indexOfFirst(batch, "vms/virt-launcher-vm-");
    int firstPlain = indexOfFirst(batch, "default/web-");
    assertTrue(firstVm >= 0 && firstPlain >= 0, batch.toString());
    assertTrue(firstVm < firstPlain, "VM evictions should be requested first: " + batch);
  }

  /** The pods (namespace/name) of the run's one EvictPods activity, in request order. */
  private static List<String> batchInput(List<HistoryEvent> history) {
    List<List<String>> batches = new ArrayList<>();
    for (HistoryEvent event : history) {
      if (event.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
          && event.getActivityTaskScheduledEventAttributes().getActivityType().getName().equals("EvictPods")) {
        EvictionBatchRequest request =
            DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
                event.getActivityTaskScheduledEventAttributes().getInput().getPayloads(0),
                EvictionBatchRequest.class,
                EvictionBatchRequest.class);
        batches.add(request.pods().stream().map(PodRef::key).toList());
      }
    }
    assertEquals(1, batches.size(), batches.toString());
    return batches.get(0);
  }

  private static int indexOfFirst(List<String> summaries, String prefix) {
    for (int i = 0; i < summaries.size(); i++) {
      if (summaries.get(i).startsWith(prefix)) {
        return i;
      }
    }
    return -1;
  }

  @Test
  @DisplayName("the history grows by at most 8 events per evicted pod, and no pod has more than 8 of its own")
  void historyStaysSmall() {
    int baseline = runWithoutPods().size();
    List<HistoryEvent> history = drainManyPods();

    int evicted = PLAIN_PODS + VM_PODS;
    int growth = history.size() - baseline;
    assertTrue(growth <= 8 * evicted, growth + " more events than a run without pods, for " + evicted + " pods");
    Map<String, Integer> perPod = eventsPerPod(history);
    assertEquals(VM_PODS, perPod.size(), "only migrations have activities of their own: " + perPod);
    perPod.forEach((pod, events) -> assertTrue(events <= 8, pod + " has " + events + " events of its own"));
  }

  @Test
  @DisplayName("pods a PodDisruptionBudget holds back cost at most 8 history events each, their wait included")
  void budgetGuardedPodsStaySmall() {
    int baseline = runWithoutPods().size();
    int guarded = 10;
    for (int i = 0; i < guarded; i++) {
      cluster.addPod("db", "postgres-" + i, PodAction.EVICT).withPdb("db/postgres");
    }
    cluster.setPdbBudget("db/postgres", 1);
    MaintenanceRequest request = MaintenanceRequest.forNode(NODE, "kernel");
    request.setAutoResumeAfter(Duration.ofMinutes(1));
    NodeMaintenanceWorkflow maintenance = Scenarios.start(client, options, request);
    // The budget comes back one disruption at a time, as a StatefulSet's replacement pods become ready.
    for (int allowed = 1; allowed < guarded; allowed++) {
      int goneSoFar = allowed;
      await().atMost(Duration.ofSeconds(20)).until(() -> maintenance.status().pods().stream()
          .filter(p -> p.state() == PodState.GONE).count() >= goneSoFar);
      cluster.setPdbBudget("db/postgres", 1);
    }
    assertEquals(Stage.COMPLETED, Scenarios.result(maintenance).stage());

    int growth = client.fetchHistory(options.getWorkflowId()).getEvents().size() - baseline;
    assertTrue(growth <= 8 * guarded, growth + " more events than a run without pods, for " + guarded + " pods");
  }

  /** The same maintenance of a node with no pods: what every run costs, whatever the node holds. */
  private List<HistoryEvent> runWithoutPods() {
    WorkflowOptions empty = options.toBuilder().setWorkflowId("maintenance-of-an-empty-node").build();
    MaintenanceRequest request = MaintenanceRequest.forNode(NODE, "kernel");
    request.setAutoResumeAfter(Duration.ofMinutes(1));
    MaintenanceResult result = Scenarios.result(Scenarios.start(client, empty, request));
    assertEquals(Stage.COMPLETED, result.stage());
    return client.fetchHistory(empty.getWorkflowId()).getEvents();
  }

  /** Events of the activities whose summary names one pod or its VM, counted per pod. */
  private static Map<String, Integer> eventsPerPod(List<HistoryEvent> history) {
    Map<Long, String> podOfActivity = new HashMap<>();
    Map<String, Integer> perPod = new TreeMap<>();
    for (HistoryEvent event : history) {
      if (event.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && event.getUserMetadata().hasSummary()) {
        String summary = summary(event);
        String pod = podNamed(summary);
        if (pod != null) {
          podOfActivity.put(event.getEventId(), pod);
          perPod.merge(pod, 1, Integer::sum);
        }
      }
      long scheduledId = scheduledEventIdOf(event);
      if (scheduledId > 0 && podOfActivity.containsKey(scheduledId)) {
        perPod.merge(podOfActivity.get(scheduledId), 1, Integer::sum);
      }
    }
    return perPod;
  }

  private static String podNamed(String summary) {
    if (summary.startsWith("evict ") && !summary.matches("evict \\d+ pod\\(s\\).*")) { // a batch is no one pod's
      return summary.substring("evict ".length()).split(" ")[0];
    }
    if (summary.startsWith("migrate vm vms/vm-")) {
      return "vms/virt-launcher-" + summary.substring("migrate vm vms/".length()).split(" ")[0];
    }
    return null;
  }

  private static long scheduledEventIdOf(HistoryEvent event) {
    return switch (event.getEventType()) {
      case EVENT_TYPE_ACTIVITY_TASK_STARTED -> event.getActivityTaskStartedEventAttributes().getScheduledEventId();
      case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> event.getActivityTaskCompletedEventAttributes().getScheduledEventId();
      case EVENT_TYPE_ACTIVITY_TASK_FAILED -> event.getActivityTaskFailedEventAttributes().getScheduledEventId();
      case EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT -> event.getActivityTaskTimedOutEventAttributes().getScheduledEventId();
      case EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED ->
          event.getActivityTaskCancelRequestedEventAttributes().getScheduledEventId();
      case EVENT_TYPE_ACTIVITY_TASK_CANCELED -> event.getActivityTaskCanceledEventAttributes().getScheduledEventId();
      default -> 0;
    };
  }

  private List<HistoryEvent> drainManyPods() {
    for (int i = 0; i < PLAIN_PODS; i++) {
      cluster.addPod("default", "web-" + i, PodAction.EVICT);
    }
    for (int i = 0; i < VM_PODS; i++) {
      cluster
          .addPod("vms", "virt-launcher-vm-" + i, PodAction.MIGRATE_VM)
          .withVm(FakeCluster.vm("vms", "vm-" + i, "LiveMigrate", true));
    }
    MaintenanceRequest request = MaintenanceRequest.forNode(NODE, "kernel");
    request.setAutoResumeAfter(Duration.ofMinutes(1));
    NodeMaintenanceWorkflow maintenance = Scenarios.start(client, options, request);
    MaintenanceResult result = Scenarios.result(maintenance);
    assertEquals(Stage.COMPLETED, result.stage());
    return client.fetchHistory(options.getWorkflowId()).getEvents();
  }

  private static List<String> scheduledSummaries(List<HistoryEvent> history) {
    List<String> summaries = new ArrayList<>();
    for (HistoryEvent event : history) {
      if (event.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
          && event.getUserMetadata().hasSummary()) {
        summaries.add(summary(event));
      }
    }
    return summaries;
  }

  private static String summary(HistoryEvent event) {
    return DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
        event.getUserMetadata().getSummary(), String.class, String.class);
  }

  private static long count(List<String> summaries, String summary) {
    return summaries.stream().filter(summary::equals).count();
  }
}
