package dev.runbook.cli;

import dev.runbook.worker.TemporalConnection;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.runbook.workflows.NodeMaintenanceWorkflow;
import dev.runbook.workflows.model.EscalateRequest;
import dev.runbook.workflows.model.ExtendDeadlineRequest;
import dev.runbook.workflows.model.MaintenanceRequest;
import dev.runbook.workflows.model.MaintenanceResult;
import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.Phase;
import dev.runbook.workflows.model.Stage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.filter.v1.StartTimeFilter;
import io.temporal.api.filter.v1.WorkflowTypeFilter;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowTargetOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Temporal side of every {@code runbook node} command: the NodeMaintenance workflow by node name, with
 * Temporal's exceptions turned into {@link CliException}s that say what happened and what to do.
 */
public final class MaintenanceClient {
  static final String LIST_QUERY = "WorkflowType='" + NodeMaintenanceWorkflow.WORKFLOW_TYPE + "'";
  private static final Duration LIST_QUERY_TIMEOUT = Duration.ofSeconds(5);

  private final WorkflowClient client;
  private final String taskQueue;

  public MaintenanceClient(WorkflowClient client, String taskQueue) {
    this.client = client;
    this.taskQueue = taskQueue;
  }

  public String taskQueue() {
    return taskQueue;
  }

  public String namespace() {
    return client.getOptions().getNamespace();
  }

  /**
   * Starts {@code maintenance-<node>}. A finished maintenance of the node may be followed by a new one; a running
   * one may not (conflict policy FAIL), and the refusal names it.
   */
  public WorkflowExecution start(MaintenanceRequest request) {
    String node = request.getNodeName();
    WorkflowOptions options =
        WorkflowOptions.newBuilder()
            .setTaskQueue(taskQueue)
            .setWorkflowId(NodeMaintenanceWorkflow.workflowId(node))
            .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
            .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
            .setStaticSummary("maintenance of node " + node + (request.getReason() == null ? "" : ": " + request.getReason()))
            .build();
    WorkflowStub stub = client.newUntypedWorkflowStub(NodeMaintenanceWorkflow.WORKFLOW_TYPE, options);
    try {
      return stub.start(request);
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw CliException.failed(
          "node "
              + node
              + " is already in maintenance: workflow "
              + e.getExecution().getWorkflowId()
              + " (run "
              + e.getExecution().getRunId()
              + ") is running. See it with `runbook node status "
              + node
              + "`; end it with `runbook node resume "
              + node
              + "` before starting another");
    } catch (RuntimeException e) {
      throw translate(e, node);
    }
  }

  /**
   * The status of the node's latest maintenance. A running one answers the {@code status} query; a completed one
   * is read from its result, which needs no worker; a failed or cancelled one is queried (a worker replays it) and,
   * when no worker answers, summarised from Temporal's own record.
   */
  public MaintenanceStatus status(String node) {
    WorkflowStub stub = existing(node);
    WorkflowExecutionDescription description;
    try {
      description = stub.describe();
    } catch (RuntimeException e) {
      throw translate(e, node);
    }
    WorkflowExecutionStatus status = description.getStatus();
    if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      return query(stub, node);
    }
    if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
      try {
        MaintenanceResult result = stub.getResult(MaintenanceResult.class);
        if (result != null && result.status() != null) {
          return result.status();
        }
      } catch (RuntimeException e) {
        // fall through to the query below
      }
    }
    String ending = ending(stub, status);
    try {
      return query(stub, node);
    } catch (CliException e) {
      Stage stage =
          status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED ? Stage.CANCELLED : Stage.FAILED;
      return endedWithoutStatus(node, stage, ending);
    }
  }

  public void resume(String node) {
    signal(node, "resume");
  }

  public void escalate(String node, EscalateRequest request) {
    signal(node, "escalate", request);
  }

  public void extendDrainDeadline(String node, ExtendDeadlineRequest request) {
    signal(node, "extendDrainDeadline", request);
  }

  /** Requests cancellation; the workflow restores the node in its cleanup before it ends. */
  public void cancel(String node) {
    try {
      running(node).cancel("runbook node cancel");
    } catch (WorkflowNotFoundException e) {
      throw notRunning(node);
    } catch (RuntimeException e) {
      throw translate(e, node);
    }
  }

  /** Every NodeMaintenance execution the namespace remembers, newest first, with the stage of running ones. */
  public List<MaintenanceSummary> list() {
    List<WorkflowExecutionMetadata> executions;
    try {
      executions = client.listExecutions(LIST_QUERY).toList();
    } catch (RuntimeException e) {
      if (grpcCode(e) != Status.Code.UNIMPLEMENTED) {
        throw translate(e, null);
      }
      // No advanced visibility (e.g. the in-process test server that `runbook demo` runs): the older list calls.
      executions = listWithoutAdvancedVisibility();
    }
    List<WorkflowExecutionMetadata> ours =
        executions.stream().filter(m -> NodeMaintenanceWorkflow.WORKFLOW_TYPE.equals(m.getWorkflowType())).toList();
    // Queries in parallel and bounded: without a worker each would wait for the full query timeout, one by one.
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(8, ours.size())), daemonThreads());
    try {
      Map<WorkflowExecutionMetadata, Future<MaintenanceStatus>> queries = new LinkedHashMap<>();
      for (WorkflowExecutionMetadata m : ours) {
        if (m.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
          WorkflowStub stub =
              client.newUntypedWorkflowStub(WorkflowTargetOptions.newBuilder().setWorkflowExecution(m.getExecution()).build());
          queries.put(m, pool.submit(() -> stub.query("status", MaintenanceStatus.class)));
        }
      }
      long deadline = System.nanoTime() + LIST_QUERY_TIMEOUT.toNanos();
      List<MaintenanceSummary> out = new ArrayList<>();
      for (WorkflowExecutionMetadata m : ours) {
        Stage stage = null;
        String note = null;
        Future<MaintenanceStatus> query = queries.get(m);
        if (query != null) {
          try {
            MaintenanceStatus s = query.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            stage = s == null ? null : s.stage();
          } catch (TimeoutException e) {
            note = "no answer in " + LIST_QUERY_TIMEOUT.toSeconds() + "s; is a worker running?";
          } catch (ExecutionException e) {
            note = "status query failed: " + TemporalConnection.rootMessage(e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.failed("interrupted while listing maintenances");
          }
        }
        String id = m.getExecution().getWorkflowId();
        String node = id.startsWith("maintenance-") ? id.substring("maintenance-".length()) : id;
        out.add(
            new MaintenanceSummary(
                node, id, m.getExecution().getRunId(), statusName(m.getStatus()), m.getStartTime(), m.getCloseTime(), stage, note));
      }
      out.sort(Comparator.comparing(MaintenanceSummary::started, Comparator.nullsLast(Comparator.reverseOrder())));
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  private static ThreadFactory daemonThreads() {
    return r -> {
      Thread t = new Thread(r, "runbook-list-query");
      t.setDaemon(true);
      return t;
    };
  }

  private List<WorkflowExecutionMetadata> listWithoutAdvancedVisibility() {
    var stub = client.getWorkflowServiceStubs().blockingStub();
    WorkflowTypeFilter type = WorkflowTypeFilter.newBuilder().setName(NodeMaintenanceWorkflow.WORKFLOW_TYPE).build();
    StartTimeFilter anyTime =
        StartTimeFilter.newBuilder()
            .setEarliestTime(Timestamp.getDefaultInstance())
            .setLatestTime(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond() + 86_400))
            .build();
    List<WorkflowExecutionInfo> infos = new ArrayList<>();
    ByteString token = ByteString.EMPTY;
    do {
      ListOpenWorkflowExecutionsResponse page =
          stub.listOpenWorkflowExecutions(
              ListOpenWorkflowExecutionsRequest.newBuilder()
                  .setNamespace(namespace())
                  .setTypeFilter(type)
                  .setStartTimeFilter(anyTime)
                  .setMaximumPageSize(1000)
                  .setNextPageToken(token)
                  .build());
      infos.addAll(page.getExecutionsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    do {
      ListClosedWorkflowExecutionsResponse page =
          stub.listClosedWorkflowExecutions(
              ListClosedWorkflowExecutionsRequest.newBuilder()
                  .setNamespace(namespace())
                  .setTypeFilter(type)
                  .setStartTimeFilter(anyTime)
                  .setMaximumPageSize(1000)
                  .setNextPageToken(token)
                  .build());
      infos.addAll(page.getExecutionsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return infos.stream().map(i -> new WorkflowExecutionMetadata(i, client.getOptions().getDataConverter())).toList();
  }

  private void signal(String node, String name, Object... args) {
    try {
      running(node).signal(name, args);
    } catch (WorkflowNotFoundException e) {
      throw notRunning(node);
    } catch (RuntimeException e) {
      throw translate(e, node);
    }
  }

  private CliException notRunning(String node) {
    return CliException.failed(
        "no running maintenance of node "
            + node
            + " (workflow "
            + NodeMaintenanceWorkflow.workflowId(node)
            + " in namespace "
            + namespace()
            + " has ended or never started): see `runbook node status "
            + node
            + "` or `runbook node list`");
  }

  private MaintenanceStatus query(WorkflowStub stub, String node) {
    try {
      return stub.query("status", MaintenanceStatus.class);
    } catch (RuntimeException e) {
      if (grpcCode(e) == Status.Code.DEADLINE_EXCEEDED) {
        throw new CliException(
            ExitCode.FAILED,
            "maintenance of node "
                + node
                + " did not answer its status query in time: is a worker (`runbook worker`) polling task queue '"
                + taskQueue
                + "' in namespace "
                + namespace()
                + "?",
            e,
            true);
      }
      throw translate(e, node);
    }
  }

  /**
   * The node's maintenance, checked to be running: servers differ on a signal or cancel sent to a finished run
   * (some accept and drop it), and an operator must not be told "sent" when nothing will happen.
   */
  private WorkflowStub running(String node) {
    WorkflowStub stub = existing(node);
    if (stub.describe().getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      throw notRunning(node);
    }
    return stub;
  }

  private WorkflowStub existing(String node) {
    // No run id: the latest run of the node's maintenance.
    return client.newUntypedWorkflowStub(
        WorkflowTargetOptions.newBuilder().setWorkflowId(NodeMaintenanceWorkflow.workflowId(node)).build());
  }

  /** How a closed, unsuccessful run ended, in Temporal's words (its failure message). */
  private static String ending(WorkflowStub stub, WorkflowExecutionStatus status) {
    try {
      stub.getResult(MaintenanceResult.class);
      return "workflow ended " + statusName(status);
    } catch (WorkflowException e) {
      return "workflow ended " + statusName(status) + ": " + TemporalConnection.rootMessage(e);
    } catch (RuntimeException e) {
      return "workflow ended " + statusName(status);
    }
  }

  private static MaintenanceStatus endedWithoutStatus(String node, Stage stage, String lastError) {
    return new MaintenanceStatus(
        node, null, stage, Phase.Failed, 0, 0, List.of(), List.of(), 0, lastError, null, 0, null, null, false,
        List.of(), List.of(), List.of());
  }

  static String statusName(WorkflowExecutionStatus status) {
    if (status == null) {
      return "Unknown";
    }
    String raw = status.name().replace("WORKFLOW_EXECUTION_STATUS_", "");
    StringBuilder out = new StringBuilder();
    for (String word : raw.split("_")) {
      out.append(word.charAt(0)).append(word.substring(1).toLowerCase(java.util.Locale.ROOT));
    }
    return out.toString();
  }

  /** Maps a Temporal client failure to the exit code a script can act on. */
  CliException translate(RuntimeException e, String node) {
    if (e instanceof CliException cli) {
      return cli;
    }
    if (e instanceof WorkflowNotFoundException) {
      return CliException.failed(
          "no maintenance of node "
              + node
              + " (workflow "
              + NodeMaintenanceWorkflow.workflowId(node)
              + " not found in namespace "
              + namespace()
              + "): start one with `runbook node start "
              + node
              + "`, or list them with `runbook node list`");
    }
    Status.Code code = grpcCode(e);
    if (code == Status.Code.UNAVAILABLE) {
      return new CliException(
          ExitCode.TEMPORAL_UNREACHABLE,
          "lost Temporal (" + TemporalConnection.rootMessage(e) + "): check that the server is up and reachable",
          e,
          true);
    }
    if (code == Status.Code.FAILED_PRECONDITION || code == Status.Code.DEADLINE_EXCEEDED) {
      // e.g. a query before the workflow's first task ran, or a worker restarting
      return new CliException(ExitCode.FAILED, TemporalConnection.rootMessage(e), e, true);
    }
    if (code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED) {
      return new CliException(
          ExitCode.TEMPORAL_UNREACHABLE,
          "Temporal refused the credentials (" + TemporalConnection.rootMessage(e) + "): check TEMPORAL_API_KEY / TLS settings",
          e);
    }
    if (code == Status.Code.NOT_FOUND && node == null) {
      return CliException.usage(
          TemporalConnection.rootMessage(e) + ": check --namespace / TEMPORAL_NAMESPACE");
    }
    return new CliException(ExitCode.FAILED, TemporalConnection.rootMessage(e), e);
  }

  static Status.Code grpcCode(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StatusRuntimeException s) {
        return s.getStatus().getCode();
      }
    }
    return null;
  }
}
