package dev.runbook.e2e;

import static dev.runbook.e2e.Checks.assertContainsAll;
import static dev.runbook.e2e.Checks.assertContainsNone;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The product chapter's procedure (sections 11.2.3 and 11.3.3), literally, with {@code kubectl} in place of
 * {@code oc}: the real dev server, {@code runbook sim} (demo cluster at real speed, so the drain lasts long enough
 * to be watched), and {@code runbook worker} with its NodeMaintenance controller on.
 */
@DisplayName("A node maintenance driven by a NodeMaintenance resource, as the product chapter does it")
class NodeMaintenanceResourceIT {
  private static final Pattern RUNNING_WITH_COUNTS =
      Pattern.compile(
          "(?s)evictionPods: [1-9].*pendingPods:\\s*\\n\\s*- \\S+.*phase: Running.*totalpods: [1-9]");
  private static E2eStack stack;

  @BeforeAll
  static void startStack() {
    stack = E2eStack.startWithNodeMaintenanceController("nodemaintenance-cr", "1", Duration.ofMillis(500));
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @DisplayName("apply → Running with pod counts → Succeeded, node cordoned with events → delete → node back, history kept")
  void theChaptersProcedure() throws IOException {
    // 11.2.3: "Create the following node maintenance CR, and save the file as nodemaintenance-cr.yaml"
    Path cr = stack.dir.resolve("nodemaintenance-cr.yaml");
    Files.writeString(
        cr,
        """
        apiVersion: nodemaintenance.kubevirt.io/v1beta1
        kind: NodeMaintenance
        metadata:
          name: maintenance-example
        spec:
          nodeName: worker-2
          reason: "Node maintenance"
        """);
    assertContainsAll(
        stack.kubectl("apply", "-f", cr.toString()).requireSuccess().stdout(),
        "nodemaintenance.nodemaintenance.kubevirt.io/maintenance-example created");

    // 11.2.3.1: "oc get NodeMaintenance -o yaml" while the drain runs, then once it is done
    String running =
        await("phase: Running with totalpods, evictionPods and pendingPods")
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> stack.kubectl("get", "NodeMaintenance", "-o", "yaml").requireSuccess().stdout(),
                yaml -> RUNNING_WITH_COUNTS.matcher(yaml).find());
    assertContainsAll(running, "apiVersion: nodemaintenance.kubevirt.io/v1beta1", "nodeName: worker-2", "reason: Node maintenance");
    String succeeded =
        await("phase: Succeeded")
            .atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> stack.kubectl("get", "NodeMaintenance", "-o", "yaml").requireSuccess().stdout(),
                yaml -> yaml.contains("phase: Succeeded"));
    assertContainsAll(succeeded, "drainProgress: 100", "pendingPods: []");

    // "oc describe node <node-name>": unschedulable, and the maintenance told in events
    String node = stack.kubectl("describe", "node", "worker-2").requireSuccess().stdout();
    assertTrue(Pattern.compile("Unschedulable:\\s+true").matcher(node).find(), node);
    assertContainsAll(node, "BeginMaintenance", "SucceedMaintenance");
    assertContainsAll(stack.kubectl("get", "nm").requireSuccess().stdout(), "maintenance-example", "worker-2", "Succeeded");

    // The workflow underneath, and its memo naming the resource
    JsonNode running1 = describeWorkflow();
    assertEquals("WORKFLOW_EXECUTION_STATUS_RUNNING", running1.path("workflowExecutionInfo").path("status").asText(), running1.toString());

    // 11.3.3: "oc delete -f nodemaintenance-cr.yaml" (kubectl waits until the controller has restored the node)
    String deleted = stack.kubectl("delete", "-f", cr.toString()).requireSuccess().stdout();
    assertEquals("nodemaintenance.nodemaintenance.kubevirt.io \"maintenance-example\" deleted", deleted.strip());
    assertContainsNone(stack.kubectl("get", "node", "worker-2").requireSuccess().stdout(), "SchedulingDisabled");
    Checks.assertUntouchedNodeSpec(NodeView.of(stack, "worker-2"));

    JsonNode closed = describeWorkflow();
    assertEquals("WORKFLOW_EXECUTION_STATUS_COMPLETED", closed.path("workflowExecutionInfo").path("status").asText(), closed.toString());
    String history =
        stack.temporal("workflow", "show", "--workflow-id", "maintenance-worker-2", "--output", "json").requireSuccess().stdout();
    assertContainsAll(history, "EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED", "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED");
    assertTrue(Pattern.compile("\"signalName\":\\s*\"resume\"").matcher(history).find(), "the controller's resume signal is in the history");
    assertTrue(stack.simReport().path("violations").isEmpty(), stack.simReport().toString());
  }

  @Test
  @DisplayName("a NodeMaintenance for a node that does not exist fails with a clear lastError and changes nothing")
  void unknownNodeIsRefused() throws IOException {
    Path cr = writeNodeMaintenance("typo", "node-1.example.com", "Node maintenance");
    stack.kubectl("apply", "-f", cr.toString()).requireSuccess();
    JsonNode refused =
        awaitNodeMaintenance(
            "typo", "phase: Failed", 30,
            nm -> "Failed".equals(nm.path("status").path("phase").asText()));
    assertContainsAll(refused.path("status").path("lastError").asText(), "node \"node-1.example.com\" not found", "kubectl get nodes");
    assertTrue(refused.path("metadata").path("finalizers").isMissingNode() || refused.path("metadata").path("finalizers").isEmpty());
    assertEquals(1, stack.temporal("workflow", "describe", "--workflow-id", "maintenance-node-1.example.com").exitCode(), "no workflow was started");
    stack.kubectl("delete", "-f", cr.toString()).requireSuccess();
  }

  @Test
  @DisplayName("kill -9 of the worker running the controller mid-drain: the next worker adopts the same run and finishes")
  void aKilledControllerIsReplacedWithoutASecondWorkflow() throws IOException {
    Path cr = writeNodeMaintenance("worker-3-kernel", "worker-3", "kernel update");
    stack.kubectl("apply", "-f", cr.toString()).requireSuccess();
    JsonNode draining =
        awaitNodeMaintenance(
            "worker-3-kernel", "worker-3 draining", 60,
            nm -> nm.path("status").path("pendingPods").size() > 0);
    String runId = draining.path("metadata").path("annotations").path("nodemaintenance.runbook.dev/run-id").asText();
    assertTrue(!runId.isEmpty(), draining.toString());

    stack.killWorkerHard();
    stack.startWorker();

    awaitNodeMaintenance(
        "worker-3-kernel", "worker-3 drained by the next worker", 90,
        nm -> "Succeeded".equals(nm.path("status").path("phase").asText()));
    String runs =
        stack.temporal("workflow", "list", "--query", "WorkflowId = 'maintenance-worker-3'", "-o", "json").requireSuccess().stdout();
    JsonNode list = E2eStack.readJson(runs.isBlank() ? "[]" : runs);
    assertEquals(1, list.size(), "one run for the resource, before and after the kill: " + runs);
    assertContainsAll(runs, runId);

    stack.kubectl("delete", "-f", cr.toString()).requireSuccess();
    Checks.assertUntouchedNodeSpec(NodeView.of(stack, "worker-3"));
    assertTrue(stack.simReport().path("violations").isEmpty(), stack.simReport().toString());
  }

  @Test
  @DisplayName("kubectl delete while evictions and migrations are in flight stops the drain and gives the node back")
  void deletingMidDrainRestoresTheNode() throws IOException {
    Path cr = writeNodeMaintenance("worker-1-firmware", "worker-1", "firmware");
    stack.kubectl("apply", "-f", cr.toString()).requireSuccess();
    // worker-1 holds ten pods and five VMs: at --speed 1 several evictions and the live migration are still running
    awaitNodeMaintenance(
        "worker-1-firmware", "worker-1 draining, several pods to go", 60,
        nm -> nm.path("status").path("pendingPods").size() >= 3);

    String deleted = stack.kubectl("delete", "-f", cr.toString()).requireSuccess().stdout();
    assertEquals("nodemaintenance.nodemaintenance.medik8s.io \"worker-1-firmware\" deleted", deleted.strip());
    Checks.assertUntouchedNodeSpec(NodeView.of(stack, "worker-1"));
    JsonNode closed =
        E2eStack.readJson(
            stack.temporal("workflow", "describe", "--workflow-id", "maintenance-worker-1", "-o", "json").requireSuccess().stdout());
    assertEquals("WORKFLOW_EXECUTION_STATUS_COMPLETED", closed.path("workflowExecutionInfo").path("status").asText(), closed.toString());
    assertTrue(stack.simReport().path("violations").isEmpty(), stack.simReport().toString());
  }

  /** Polls {@code kubectl get} of a medik8s-group NodeMaintenance until {@code condition} holds; returns it as JSON. */
  private static JsonNode awaitNodeMaintenance(String name, String what, int seconds, Predicate<JsonNode> condition) {
    return await(what)
        .atMost(Duration.ofSeconds(seconds))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> stack.kubectlJson("get", "nodemaintenances.nodemaintenance.medik8s.io", name), condition);
  }

  /** A NodeMaintenance of today's NMO group, as a file for kubectl. */
  private static Path writeNodeMaintenance(String name, String node, String reason) throws IOException {
    Path file = stack.dir.resolve(name + ".yaml");
    Files.writeString(
        file,
        "apiVersion: nodemaintenance.medik8s.io/v1beta1\nkind: NodeMaintenance\nmetadata:\n  name: " + name
            + "\nspec:\n  nodeName: " + node + "\n  reason: \"" + reason + "\"\n");
    return file;
  }

  private static JsonNode describeWorkflow() {
    return E2eStack.readJson(
        stack.temporal("workflow", "describe", "--workflow-id", "maintenance-worker-2", "-o", "json").requireSuccess().stdout());
  }
}
