package dev.runbook.cli.node;

import static dev.runbook.cli.Expect.contains;
import static dev.runbook.cli.Expect.exit;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.runbook.cli.CliContext;
import dev.runbook.cli.CliRun;
import dev.runbook.cli.ExitCode;
import dev.runbook.cli.Json;
import dev.runbook.workflows.activities.AwaitPodsGoneRequest;
import dev.runbook.workflows.activities.DeletePodRequest;
import dev.runbook.workflows.activities.DrainActivities;
import dev.runbook.workflows.activities.DrainPlan;
import dev.runbook.workflows.activities.DrainPlanRequest;
import dev.runbook.workflows.activities.EvictionBatchRequest;
import dev.runbook.workflows.activities.EvictionBatchResult;
import dev.runbook.workflows.activities.EvictionRequest;
import dev.runbook.workflows.activities.EvictionResult;
import dev.runbook.workflows.activities.Failures;
import dev.runbook.workflows.activities.PlannedPod;
import dev.runbook.workflows.activities.PodAction;
import dev.runbook.workflows.activities.PodsGoneResult;
import dev.runbook.workflows.model.PodRef;
import io.temporal.failure.ApplicationFailure;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("runbook node plan: the drain plan, read-only, with exit codes for scripts")
class NodePlanCommandTest {
  private final List<DrainPlanRequest> requests = new ArrayList<>();

  /** Only planDrain may be called: plan must not change anything. */
  private CliContext planning(Function<DrainPlanRequest, DrainPlan> planner) {
    DrainActivities readOnly =
        new DrainActivities() {
          @Override
          public DrainPlan planDrain(DrainPlanRequest request) {
            requests.add(request);
            return planner.apply(request);
          }

          @Override
          public EvictionResult evictPod(EvictionRequest request) {
            throw new AssertionError("plan must not evict");
          }

          @Override
          public EvictionBatchResult evictPods(EvictionBatchRequest request) {
            throw new AssertionError("plan must not evict");
          }

          @Override
          public void deletePod(DeletePodRequest request) {
            throw new AssertionError("plan must not delete");
          }

          @Override
          public PodsGoneResult awaitPodsGone(AwaitPodsGoneRequest request) {
            throw new AssertionError("plan must not wait");
          }
        };
    return CliRun.offline().withDrainPlanners(() -> readOnly);
  }

  private static PlannedPod pod(String name, String owner, PodAction action, String reason) {
    return new PlannedPod(new PodRef("default", name, "uid"), owner, "Running", false, List.of(), null, action, reason);
  }

  @Test
  void aFeasiblePlanIsPrintedAsATableAndExitsZero() {
    CliRun run =
        CliRun.run(
            planning(r -> new DrainPlan(r.nodeName(), List.of(pod("web-1", "ReplicaSet/web", PodAction.EVICT, "managed")))),
            "node", "plan", "worker-1");

    exit(ExitCode.OK, run);
    contains(run.out(), "POD", "default/web-1", "ReplicaSet/web", "evict", "feasible: 1 evicted");
    assertEquals(List.of(new DrainPlanRequest("worker-1", true, true, true)), requests, "oc adm drain defaults");
  }

  @Test
  void theDrainFlagsReachThePlanner() {
    CliRun.run(planning(r -> new DrainPlan(r.nodeName(), List.of())), "node", "plan", "worker-1", "--no-force", "--no-delete-emptydir-data");

    assertEquals(List.of(new DrainPlanRequest("worker-1", false, true, false)), requests);
  }

  @Test
  void anInfeasiblePlanExitsOneAndCanBeReadAsJson() throws Exception {
    CliRun run =
        CliRun.run(
            planning(r -> new DrainPlan(r.nodeName(), List.of(pod("scratch", null, PodAction.REFUSE, "unmanaged: drop --no-force")))),
            "node", "plan", "worker-1", "--no-force", "-o", "json");

    exit(ExitCode.FAILED, run);
    assertEquals("REFUSE", Json.mapper().readTree(run.out()).path("pods").get(0).path("action").asText());
  }

  @Test
  void anUnknownNodeIsAUsageError() {
    CliRun run =
        CliRun.run(
            planning(r -> {
              throw ApplicationFailure.newNonRetryableFailure("node worker-9 not found", Failures.NODE_NOT_FOUND);
            }),
            "node", "plan", "worker-9");

    exit(ExitCode.USAGE, run);
    contains(run.err(), "there is no node 'worker-9' in the cluster", "kubectl get nodes");
  }

  @Test
  void anUnreachableClusterIsExitFour() {
    CliRun run =
        CliRun.run(
            planning(r -> {
              throw new IllegalStateException("request failed", new UncheckedIOException(new ConnectException("Connection refused")));
            }),
            "node", "plan", "worker-1");

    exit(ExitCode.CLUSTER_UNREACHABLE, run);
    contains(run.err(), "cannot reach the cluster", "KUBECONFIG");
  }

  @Test
  void planNeedsNoTemporal() {
    // CliRun.offline() fails any attempt to connect to Temporal; the plan still works.
    exit(ExitCode.OK, CliRun.run(planning(r -> new DrainPlan(r.nodeName(), List.of())), "node", "plan", "worker-1"));
  }
}
