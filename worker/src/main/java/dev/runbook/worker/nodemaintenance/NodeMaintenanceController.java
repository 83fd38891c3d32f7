package dev.runbook.worker.nodemaintenance;

import static dev.runbook.worker.nodemaintenance.NodeMaintenanceResources.FINALIZER;
import static dev.runbook.worker.nodemaintenance.NodeMaintenanceResources.MEMO_KEY;
import static dev.runbook.worker.nodemaintenance.NodeMaintenanceResources.NODE_ANNOTATION;
import static dev.runbook.worker.nodemaintenance.NodeMaintenanceResources.RUN_ID_ANNOTATION;
import static dev.runbook.worker.nodemaintenance.NodeMaintenanceResources.WORKFLOW_ID_ANNOTATION;
import static dev.runbook.worker.nodemaintenance.NodeMaintenanceResources.annotation;
import static dev.runbook.worker.nodemaintenance.NodeMaintenanceResources.describe;
import static dev.runbook.worker.nodemaintenance.NodeMaintenanceResources.nodeName;

import dev.runbook.worker.TemporalConnection;
import dev.runbook.workflows.NodeMaintenanceWorkflow;
import dev.runbook.workflows.model.MaintenanceRequest;
import dev.runbook.workflows.model.MaintenanceResult;
import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.Stage;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each NodeMaintenance resource into one NodeMaintenance workflow, the way the Node Maintenance Operator turns
 * it into a drain: create starts the maintenance, the workflow's progress is copied into the resource's status,
 * delete ends the maintenance (a {@code resume} signal) and the resource goes once the node is restored.
 *
 * <p>The workflow is the single source of truth. The controller keeps nothing it cannot rebuild: the resource
 * carries the node it was accepted for and the workflow run that carries it out, and the workflow's memo names the
 * resource. A restarted controller therefore adopts the workflows it started and never starts a second one.
 *
 * <p>Work is done on one thread: informer events and a periodic tick (for progress) put resource keys on a queue,
 * each key at most once; a failed step is retried on the next tick.
 */
public final class NodeMaintenanceController implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeMaintenanceController.class);

  private final KubernetesClient kube;
  private final WorkflowClient temporal;
  private final String taskQueue;
  private final ControllerConfig config;
  private final Clock clock;
  private final ScheduledExecutorService loop;
  private final Map<String, SharedIndexInformer<GenericKubernetesResource>> informers = new LinkedHashMap<>();
  private final Set<Key> queued = ConcurrentHashMap.newKeySet();
  // Only for rate limiting and for not re-reading finished workflows: losing it costs one extra read per resource.
  private final Map<Key, Instant> lastMirrored = new HashMap<>();
  private final Map<Key, String> finishedRun = new HashMap<>();
  private final Set<String> resumed = new HashSet<>();

  record Key(String group, String name) {
    @Override
    public String toString() {
      return "nodemaintenance." + group + "/" + name;
    }
  }

  private NodeMaintenanceController(
      KubernetesClient kube, WorkflowClient temporal, String taskQueue, ControllerConfig config, Clock clock) {
    this.kube = kube;
    this.temporal = temporal;
    this.taskQueue = taskQueue;
    this.config = config;
    this.clock = clock;
    this.loop =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "nodemaintenance-controller");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Watches NodeMaintenance resources in every group whose CRD is installed and starts reconciling them.
   *
   * @throws IllegalStateException when neither CRD is installed (apply {@code deploy/crds/} first)
   */
  public static NodeMaintenanceController start(
      KubernetesClient kube, WorkflowClient temporal, String taskQueue, ControllerConfig config) {
    NodeMaintenanceController controller =
        new NodeMaintenanceController(kube, temporal, taskQueue, config, Clock.systemUTC());
    controller.startInformers();
    return controller;
  }

  private void startInformers() {
    List<String> missing = new ArrayList<>();
    for (ResourceDefinitionContext context : NodeMaintenanceResources.contexts()) {
      String group = context.getGroup();
      try {
        kube.genericKubernetesResources(context).list();
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          missing.add(group);
          continue;
        }
        throw e;
      }
      SharedIndexInformer<GenericKubernetesResource> informer =
          kube.genericKubernetesResources(context).inform(handler(group), 0);
      informers.put(group, informer);
    }
    if (informers.isEmpty()) {
      close();
      throw new IllegalStateException(
          "no NodeMaintenance CRD is installed (" + String.join(", ", missing) + "): apply deploy/crds/ with "
              + "`kubectl apply -f deploy/crds/`, or turn the controller off (" + ControllerConfig.ENABLED + "=false)");
    }
    if (!missing.isEmpty()) {
      log.info("NodeMaintenance CRD not installed for {}; watching {} only", missing, informers.keySet());
    }
    long tick = config.statusInterval().toMillis();
    loop.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    log.info("NodeMaintenance controller watching {} (status every {})", informers.keySet(), config.statusInterval());
  }

  private ResourceEventHandler<GenericKubernetesResource> handler(String group) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(GenericKubernetesResource nm) {
        enqueue(new Key(group, nm.getMetadata().getName()));
      }

      @Override
      public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource nm) {
        enqueue(new Key(group, nm.getMetadata().getName()));
      }

      @Override
      public void onDelete(GenericKubernetesResource nm, boolean deletedFinalStateUnknown) {
        enqueue(new Key(group, nm.getMetadata().getName()));
      }
    };
  }

  private void enqueue(Key key) {
    if (queued.add(key) && !loop.isShutdown()) {
      loop.execute(
          () -> {
            queued.remove(key);
            try {
              reconcile(key);
            } catch (RuntimeException e) {
              // The next tick tries again; the message says what went wrong in the operator's terms.
              log.warn("{}: {} (retrying)", key, TemporalConnection.rootMessage(e));
            }
          });
    }
  }

  private void tick() {
    informers.forEach(
        (group, informer) ->
            informer.getStore().list().forEach(nm -> enqueue(new Key(group, nm.getMetadata().getName()))));
  }

  // ---- reconciliation

  void reconcile(Key key) {
    GenericKubernetesResource nm = cached(key);
    if (nm == null) {
      lastMirrored.remove(key);
      finishedRun.remove(key);
      return;
    }
    if (NodeMaintenanceResources.deleting(nm)) {
      finish(key, nm);
    } else if (!NodeMaintenanceResources.accepted(nm)) {
      admit(key, nm);
    } else {
      follow(key, nm);
    }
  }

  /** A new resource: refuse it as NMO's webhook would, or accept it and start its workflow. */
  private void admit(Key key, GenericKubernetesResource nm) {
    if (NodeMaintenanceResources.refused(nm)) {
      return;
    }
    Optional<String> refusal = NodeMaintenanceRules.refuseCreate(nm, this::nodeExists, allCached());
    if (refusal.isPresent()) {
      // The webhook would have refused the create; here the resource exists, so say how to get rid of it.
      refuse(key, nm, refusal.get() + "; nothing was changed: delete this NodeMaintenance and create a corrected one");
      return;
    }
    String node = nodeName(nm);
    Optional<WorkflowExecutionDescription> latest = describeRun(NodeMaintenanceWorkflow.workflowId(node), null);
    if (latest.isPresent() && running(latest.get()) && !startedFor(latest.get(), nm)) {
      Optional<GenericKubernetesResource> owner = owner(latest.get());
      if (owner.isPresent() && NodeMaintenanceResources.deleting(owner.get())) {
        writeStatus(
            key, nm,
            waitingStatus(
                "waiting for " + describe(owner.get()) + " to end its maintenance of node \"" + node + "\""));
        return;
      }
      refuse(
          key, nm,
          "node \"" + node + "\" is already in maintenance by workflow " + latest.get().getExecution().getWorkflowId()
              + owner.map(o -> " (" + describe(o) + ")").orElse(" (started with `runbook node start` or the temporal CLI)")
              + ": end that maintenance (`runbook node resume " + node + "`), then delete and re-create this "
              + "NodeMaintenance");
      return;
    }
    // Finalizer and node first: from here on, a crash anywhere leaves a resource the controller will finish.
    GenericKubernetesResource accepted =
        update(
            nm,
            r -> {
              Map<String, String> annotations = annotationsOf(r);
              annotations.put(NODE_ANNOTATION, node);
              annotations.put(WORKFLOW_ID_ANNOTATION, NodeMaintenanceWorkflow.workflowId(node));
              List<String> finalizers = finalizersOf(r);
              if (!finalizers.contains(FINALIZER)) {
                finalizers.add(FINALIZER);
              }
            });
    log.info("{}: accepted for node {}", key, node);
    follow(key, accepted);
  }

  /** An accepted resource: make sure its workflow runs, and copy the workflow's progress into the status. */
  private void follow(Key key, GenericKubernetesResource nm) {
    Optional<String> nodeChange =
        NodeMaintenanceRules.refuseNodeChange(annotation(nm, NODE_ANNOTATION).orElse(""), nm);
    Optional<String> recorded = annotation(nm, RUN_ID_ANNOTATION);
    if (nodeChange.isEmpty() && recorded.isPresent() && recorded.get().equals(finishedRun.get(key))) {
      return; // its workflow ended and its final status is written: nothing to ask Temporal every tick
    }
    Optional<WorkflowExecutionDescription> run = ensureWorkflow(key, nm);
    if (run.isEmpty()) {
      return;
    }
    mirror(key, nm, run.get(), nodeChange.orElse(null));
  }

  /** A deleted resource: end the maintenance ({@code resume}) and let the resource go once the node is restored. */
  private void finish(Key key, GenericKubernetesResource nm) {
    if (!NodeMaintenanceResources.hasFinalizer(nm)) {
      return;
    }
    Optional<WorkflowExecutionDescription> run = ownRun(nm);
    if (run.isPresent() && running(run.get())) {
      // Once per run and controller: each signal is a history event, and the workflow needs only one.
      if (resumed.add(run.get().getExecution().getRunId())) {
        stub(run.get().getExecution()).signal("resume");
        log.info("{}: deleted; sent resume to {}", key, run.get().getExecution().getWorkflowId());
      }
      mirror(key, nm, run.get(), null);
      return;
    }
    if (run.isPresent()) {
      mirror(key, nm, run.get(), null);
    }
    update(nm, r -> finalizersOf(r).remove(FINALIZER));
    log.info("{}: maintenance ended; finalizer removed", key);
  }

  // ---- the workflow

  /**
   * The resource's workflow run, started if it never was. Empty when the recorded run is no longer in Temporal
   * (past the namespace's retention): that maintenance is long over and is not started again.
   */
  private Optional<WorkflowExecutionDescription> ensureWorkflow(Key key, GenericKubernetesResource nm) {
    Optional<WorkflowExecutionDescription> own = ownRun(nm);
    if (own.isPresent()) {
      if (annotation(nm, RUN_ID_ANNOTATION).isEmpty()) {
        recordRun(nm, own.get().getExecution());
      }
      return own;
    }
    if (annotation(nm, RUN_ID_ANNOTATION).isPresent()) {
      if (finishedRun.put(key, annotation(nm, RUN_ID_ANNOTATION).get()) == null) {
        log.info("{}: its workflow run is no longer in Temporal (retention); status kept as last written", key);
      }
      return Optional.empty();
    }
    String node = annotation(nm, NODE_ANNOTATION).orElseThrow();
    String workflowId = NodeMaintenanceWorkflow.workflowId(node);
    Map<String, Object> memo =
        Map.of(
            MEMO_KEY,
            Map.of(
                "group", key.group(),
                "name", key.name(),
                "uid", String.valueOf(nm.getMetadata().getUid())));
    String reason = NodeMaintenanceResources.reason(nm);
    WorkflowOptions options =
        WorkflowOptions.newBuilder()
            .setTaskQueue(taskQueue)
            .setWorkflowId(workflowId)
            .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
            .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
            .setMemo(memo)
            .setStaticSummary(
                "maintenance of node " + node + " for " + describe(nm) + (reason.isEmpty() ? "" : ": " + reason))
            .build();
    WorkflowStub stub = temporal.newUntypedWorkflowStub(NodeMaintenanceWorkflow.WORKFLOW_TYPE, options);
    WorkflowExecution execution;
    try {
      execution = stub.start(MaintenanceRequest.forNode(node, reason.isEmpty() ? null : reason));
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new IllegalStateException(
          "workflow " + workflowId + " is already running for someone else; waiting for it to end", e);
    }
    log.info("{}: started workflow {} (run {})", key, workflowId, execution.getRunId());
    recordRun(nm, execution);
    return describeRun(workflowId, execution.getRunId());
  }

  /**
   * The run carrying out this resource: the recorded run, or (after a crash between starting it and recording it)
   * the latest run of the node's workflow if its memo names this resource.
   */
  private Optional<WorkflowExecutionDescription> ownRun(GenericKubernetesResource nm) {
    Optional<String> workflowId = annotation(nm, WORKFLOW_ID_ANNOTATION);
    if (workflowId.isEmpty()) {
      return Optional.empty();
    }
    Optional<String> runId = annotation(nm, RUN_ID_ANNOTATION);
    if (runId.isPresent()) {
      return describeRun(workflowId.get(), runId.get());
    }
    return describeRun(workflowId.get(), null).filter(d -> startedFor(d, nm));
  }

  private void recordRun(GenericKubernetesResource nm, WorkflowExecution execution) {
    update(nm, r -> annotationsOf(r).put(RUN_ID_ANNOTATION, execution.getRunId()));
  }

  private Optional<WorkflowExecutionDescription> describeRun(String workflowId, String runId) {
    try {
      return Optional.of(temporal.newUntypedWorkflowStub(workflowId, Optional.ofNullable(runId), Optional.empty()).describe());
    } catch (WorkflowNotFoundException e) {
      return Optional.empty();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private boolean startedFor(WorkflowExecutionDescription run, GenericKubernetesResource nm) {
    return memo(run).map(m -> String.valueOf(nm.getMetadata().getUid()).equals(m.get("uid"))).orElse(false);
  }

  @SuppressWarnings("unchecked")
  private static Optional<Map<String, Object>> memo(WorkflowExecutionDescription run) {
    try {
      return Optional.ofNullable((Map<String, Object>) run.getMemo(MEMO_KEY, Map.class));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private Optional<GenericKubernetesResource> owner(WorkflowExecutionDescription run) {
    return memo(run)
        .flatMap(
            m -> Optional.ofNullable(cached(new Key(String.valueOf(m.get("group")), String.valueOf(m.get("name")))))
                .filter(nm -> String.valueOf(nm.getMetadata().getUid()).equals(m.get("uid"))));
  }

  private static boolean running(WorkflowExecutionDescription run) {
    return run.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  }

  private WorkflowStub stub(WorkflowExecution execution) {
    return temporal.newUntypedWorkflowStub(
        execution.getWorkflowId(), Optional.of(execution.getRunId()), Optional.empty());
  }

  // ---- status

  /**
   * Copies the workflow's status into the resource: a running workflow's at most once per interval, a closed one's
   * once (again only if {@code refusal}, a refused change of the resource, must be shown).
   */
  private void mirror(Key key, GenericKubernetesResource nm, WorkflowExecutionDescription run, String refusal) {
    String runId = run.getExecution().getRunId();
    if (!running(run) && runId.equals(finishedRun.get(key)) && refusal == null) {
      return;
    }
    Instant at = clock.instant();
    Instant last = lastMirrored.get(key);
    if (running(run) && last != null && at.isBefore(last.plus(config.statusInterval()))) {
      return;
    }
    WorkflowStub stub = stub(run.getExecution());
    Map<String, Object> status;
    if (running(run)) {
      status = fromWorkflow(stub.query("status", MaintenanceStatus.class), null);
    } else {
      status = closedStatus(nm, stub, run);
    }
    if (refusal != null) {
      status.put("lastError", refusal);
    }
    lastMirrored.put(key, at);
    writeStatus(key, nm, status);
    if (!running(run)) {
      finishedRun.put(key, runId);
    }
  }

  private Map<String, Object> closedStatus(GenericKubernetesResource nm, WorkflowStub stub, WorkflowExecutionDescription run) {
    if (run.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
      MaintenanceResult result = stub.getResult(MaintenanceResult.class);
      String note = null;
      if (!NodeMaintenanceResources.deleting(nm) && result != null && result.stage() == Stage.COMPLETED) {
        note =
            "maintenance ended outside this resource (workflow " + run.getExecution().getWorkflowId()
                + " was resumed): the node is back in service; delete this NodeMaintenance";
      }
      Map<String, Object> status = fromWorkflow(result == null ? null : result.status(), note);
      return status;
    }
    String ending;
    try {
      stub.getResult(MaintenanceResult.class);
      ending = "workflow " + run.getExecution().getWorkflowId() + " ended " + run.getStatus();
    } catch (WorkflowException e) {
      ending = "workflow " + run.getExecution().getWorkflowId() + " failed: " + failureMessage(e);
    }
    MaintenanceStatus last = null;
    try {
      last = stub.query("status", MaintenanceStatus.class);
    } catch (RuntimeException e) {
      // counts unknown; the failure is what matters
    }
    Map<String, Object> status = fromWorkflow(last, null);
    status.put("phase", "Failed");
    status.put("lastError", ending);
    return status;
  }

  /** The workflow's own words: the innermost failure's message, without Temporal's type and retry decoration. */
  static String failureMessage(Throwable failure) {
    Throwable t = failure;
    String message = failure.getMessage();
    while (t != null) {
      if (t instanceof ApplicationFailure app) {
        message = app.getOriginalMessage();
      } else if (t instanceof TemporalFailure tf && tf.getOriginalMessage() != null
          && !tf.getOriginalMessage().isEmpty()) {
        message = tf.getOriginalMessage();
      }
      t = t.getCause();
    }
    return message;
  }

  /** NMO's status fields from the workflow's status record ({@code pendingPodsRefs} as namespace/name objects). */
  static Map<String, Object> fromWorkflow(MaintenanceStatus s, String note) {
    Map<String, Object> status = new LinkedHashMap<>();
    if (s == null) {
      status.put("phase", "Running");
      status.put("lastError", note);
      return status;
    }
    status.put("phase", s.phase() == null ? "Running" : s.phase().name());
    status.put("drainProgress", s.drainProgress());
    status.put("lastUpdate", s.lastUpdate());
    String lastError = note != null ? note : s.lastError();
    if (lastError == null && s.blockers() != null && !s.blockers().isEmpty()) {
      lastError =
          s.blockers().get(0).message()
              + (s.blockers().size() > 1 ? " (and " + (s.blockers().size() - 1) + " more blocked)" : "");
    }
    status.put("lastError", lastError);
    status.put("pendingPods", s.pendingPods() == null ? List.of() : s.pendingPods());
    List<Map<String, String>> refs = new ArrayList<>();
    if (s.pendingPodsRefs() != null) {
      for (String ref : s.pendingPodsRefs()) {
        int slash = ref.indexOf('/');
        refs.add(
            slash < 0
                ? Map.of("name", ref)
                : Map.of("namespace", ref.substring(0, slash), "name", ref.substring(slash + 1)));
      }
    }
    status.put("pendingPodsRefs", refs);
    status.put("totalpods", s.totalpods());
    status.put("evictionPods", s.evictionPods());
    status.put("errorOnLeaseCount", s.errorOnLeaseCount());
    return status;
  }

  private static Map<String, Object> waitingStatus(String why) {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", "Running");
    status.put("lastError", why);
    return status;
  }

  private void refuse(Key key, GenericKubernetesResource nm, String why) {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", "Failed");
    status.put("lastError", why);
    status.put("lastUpdate", clock.instant().toString());
    writeStatus(key, nm, status);
    log.warn("{}: refused: {}", key, why);
  }

  /** A JSON merge patch of {@code status}, skipped when nothing changed (null fields are removed). */
  private void writeStatus(Key key, GenericKubernetesResource nm, Map<String, Object> status) {
    Object current = nm.getAdditionalProperties().get("status");
    if (current instanceof Map<?, ?> map && sameStatus(map, status)) {
      return;
    }
    Map<String, Object> patch = new LinkedHashMap<>();
    patch.put("status", status);
    resource(key.group(), nm.getMetadata().getName())
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), StatusJson.write(patch));
  }

  static boolean sameStatus(Map<?, ?> current, Map<String, Object> desired) {
    for (Map.Entry<String, Object> e : desired.entrySet()) {
      if (!StatusJson.sameValue(current.get(e.getKey()), e.getValue())) {
        return false;
      }
    }
    return true;
  }

  // ---- the cluster

  private GenericKubernetesResource update(
      GenericKubernetesResource nm, Consumer<GenericKubernetesResource> change) {
    String group = NodeMaintenanceResources.group(nm);
    // From the server, not the cache: the update carries its resourceVersion, so a concurrent change is a conflict
    // (retried on the next tick) rather than lost.
    GenericKubernetesResource fresh = resource(group, nm.getMetadata().getName()).get();
    if (fresh == null) {
      throw new IllegalStateException(describe(nm) + " is gone");
    }
    change.accept(fresh);
    return kube.genericKubernetesResources(NodeMaintenanceResources.context(group)).resource(fresh).update();
  }

  private Resource<GenericKubernetesResource> resource(String group, String name) {
    return kube.genericKubernetesResources(NodeMaintenanceResources.context(group)).withName(name);
  }

  private static Map<String, String> annotationsOf(GenericKubernetesResource r) {
    if (r.getMetadata().getAnnotations() == null) {
      r.getMetadata().setAnnotations(new LinkedHashMap<>());
    }
    return r.getMetadata().getAnnotations();
  }

  private static List<String> finalizersOf(GenericKubernetesResource r) {
    if (r.getMetadata().getFinalizers() == null) {
      r.getMetadata().setFinalizers(new ArrayList<>());
    }
    return r.getMetadata().getFinalizers();
  }

  private boolean nodeExists(String node) {
    return kube.nodes().withName(node).get() != null;
  }

  private GenericKubernetesResource cached(Key key) {
    SharedIndexInformer<GenericKubernetesResource> informer = informers.get(key.group());
    return informer == null ? null : informer.getStore().getByKey(key.name());
  }

  private List<GenericKubernetesResource> allCached() {
    List<GenericKubernetesResource> all = new ArrayList<>();
    informers.values().forEach(i -> all.addAll(i.getStore().list()));
    return all;
  }

  /** Stops watching. Running workflows are not touched: they go on, and the next controller picks them up. */
  @Override
  public void close() {
    loop.shutdownNow();
    informers.values().forEach(SharedIndexInformer::stop);
  }
}
