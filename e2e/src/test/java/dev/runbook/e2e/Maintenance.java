package dev.runbook.e2e;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;

/** One {@code NodeMaintenance} workflow, driven only through the real {@code temporal} CLI. */
final class Maintenance {
  static final String TASK_QUEUE = "node-maintenance";

  final E2eStack stack;
  final String workflowId;

  Maintenance(E2eStack stack, String workflowId) {
    this.stack = stack;
    this.workflowId = workflowId;
  }

  /** {@code temporal workflow start --type NodeMaintenance ... --input JSON}; the start itself must succeed. */
  static Maintenance start(E2eStack stack, String workflowId, String inputJson) {
    stack.temporal("workflow", "start", "--type", "NodeMaintenance", "--task-queue", TASK_QUEUE, "--workflow-id", workflowId,
        "--input", inputJson).requireSuccess();
    return new Maintenance(stack, workflowId);
  }

  static Maintenance startForNode(E2eStack stack, String node, String drainDeadline) {
    return start(stack, "maintenance-" + node,
        "{\"nodeName\":\"" + node + "\",\"reason\":\"firmware upgrade\",\"drainDeadline\":\"" + drainDeadline + "\"}");
  }

  /** {@code temporal workflow query --name status -o json}: the MaintenanceStatus record. */
  JsonNode status() {
    Processes.Result r = stack.temporal("workflow", "query", "--workflow-id", workflowId, "--name", "status", "-o", "json").requireSuccess();
    return E2eStack.readJson(r.stdout()).path("queryResult").path(0);
  }

  /** Polls the status query until the stage is one of {@code stages}; fails at once on an unexpected final stage. */
  JsonNode awaitStage(Duration atMost, String... stages) {
    Set<String> wanted = Set.of(stages);
    AtomicReference<JsonNode> last = new AtomicReference<>();
    try {
      await(workflowId + " in stage " + wanted)
          .atMost(atMost)
          .pollInterval(Duration.ofMillis(700))
          // A query fails while no worker or no server is up (the crash tests): ask again.
          .ignoreExceptionsMatching(e -> e instanceof AssertionError && e.getMessage().contains("query"))
          .until(() -> {
            JsonNode s = status();
            last.set(s);
            String stage = s.path("stage").asText();
            if (!wanted.contains(stage) && E2eStack.FINAL_STAGES.contains(stage)) {
              throw new IllegalStateException(workflowId + " ended in " + stage + " while waiting for " + wanted + ": " + s);
            }
            return wanted.contains(stage);
          });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(e.getMessage() + "; last status: " + last.get(), e);
    }
    return last.get();
  }

  void signal(String name, String inputJsonOrNull) {
    List<String> args = new ArrayList<>(List.of("workflow", "signal", "--workflow-id", workflowId, "--name", name));
    if (inputJsonOrNull != null) {
      args.addAll(List.of("--input", inputJsonOrNull));
    }
    stack.temporal(args.toArray(String[]::new)).requireSuccess();
  }

  /** {@code temporal workflow describe -o json}. */
  JsonNode describe() {
    return E2eStack.readJson(stack.temporal("workflow", "describe", "--workflow-id", workflowId, "-o", "json").requireSuccess().stdout());
  }

  String executionStatus() {
    return describe().path("workflowExecutionInfo").path("status").asText();
  }

  String runId() {
    return describe().path("workflowExecutionInfo").path("execution").path("runId").asText();
  }

  JsonNode awaitClosed(Duration atMost) {
    AtomicReference<JsonNode> last = new AtomicReference<>();
    await(workflowId + " closed")
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(700))
        .until(() -> {
          JsonNode d = describe();
          last.set(d);
          return !d.path("workflowExecutionInfo").path("status").asText().contains("RUNNING");
        });
    return last.get();
  }

  /** {@code temporal workflow show --output json}: the history events. */
  JsonNode historyEvents() {
    return E2eStack.readJson(stack.temporal("workflow", "show", "--workflow-id", workflowId, "--output", "json").requireSuccess().stdout())
        .path("events");
  }

  /** The decoded {@code userMetadata.summary} of every ActivityTaskScheduled event (null when it has none). */
  List<String> scheduledActivitySummaries() {
    List<String> summaries = new ArrayList<>();
    for (JsonNode e : historyEvents()) {
      if (e.path("eventType").asText().endsWith("ACTIVITY_TASK_SCHEDULED")) {
        JsonNode data = e.path("userMetadata").path("summary").path("data");
        summaries.add(data.isMissingNode() ? null : decodeJsonString(data.asText()));
      }
    }
    return summaries;
  }

  /** The pods (namespace/name) of every EvictPods batch, in the order the history scheduled them. */
  List<String> batchedEvictionPods() {
    List<String> pods = new ArrayList<>();
    for (JsonNode e : historyEvents()) {
      JsonNode scheduled = e.path("activityTaskScheduledEventAttributes");
      if (scheduled.path("activityType").path("name").asText().equals("EvictPods")) {
        String json =
            new String(Base64.getDecoder().decode(scheduled.path("input").path("payloads").path(0).path("data").asText()),
                StandardCharsets.UTF_8);
        for (JsonNode pod : E2eStack.readJson(json).path("pods")) {
          pods.add(pod.path("namespace").asText() + "/" + pod.path("name").asText());
        }
      }
    }
    return pods;
  }

  /** A payload's data: base64 of the JSON encoding of a string. */
  private static String decodeJsonString(String base64) {
    String json = new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    return E2eStack.readJson(json).asText();
  }

  /** The failure message of a failed run, as {@code temporal workflow describe} reports it. */
  String failureMessage() {
    JsonNode close = describe().path("closeEvent");
    return close.path("workflowExecutionFailedEventAttributes").path("failure").path("message").asText(null);
  }

  /** {@code temporal workflow result}: its exit code and output (the CLI prints the failure message). */
  Processes.Result result() {
    return stack.temporal("workflow", "result", "--workflow-id", workflowId);
  }
}
