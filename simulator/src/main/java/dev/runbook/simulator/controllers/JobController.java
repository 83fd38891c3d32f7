package dev.runbook.simulator.controllers;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a Job's pods: up to {@code parallelism} at a time until {@code completions} (default 1) have Succeeded,
 * then marks the Job Complete. Succeeded pods are never recreated; a pod that disappears before finishing (evicted
 * by a drain) is replaced. The succeeded count never goes down, so Succeeded pods deleted by a drain stay counted.
 */
public final class JobController extends InformingController {
  static final String JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
  static final String CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";

  private SharedIndexInformer<Job> jobs;
  private SharedIndexInformer<Pod> pods;
  private final Expectations creations = new Expectations();

  @Override
  public String name() {
    return "job-controller";
  }

  @Override
  public String process() {
    return KUBE_CONTROLLER_MANAGER;
  }

  @Override
  protected void startInformers() {
    jobs = inform("batch/v1/jobs", c -> c.batch().v1().jobs().inAnyNamespace(), job -> loop.enqueue(Pods.key(job)));
    pods = inform("pods", c -> c.pods().inAnyNamespace(), pod -> loop.enqueue(Pods.controllerKey(pod, "Job")));
  }

  @Override
  protected void reconcile(String key) {
    Job job = jobs.getStore().getByKey(key);
    if (job == null) {
      creations.forgetOwner(key);
      return;
    }
    if (Pods.isTerminating(job) || isFinished(job)) {
      return;
    }
    String namespace = job.getMetadata().getNamespace();
    List<Pod> owned =
        pods.getStore().list().stream()
            .filter(p -> namespace.equals(p.getMetadata().getNamespace()) && Pods.isControlledBy(p, job))
            .toList();
    List<Pod> active = owned.stream().filter(Pods::isActive).toList();
    int succeeded = Math.max(previous(job, true), (int) owned.stream().filter(p -> "Succeeded".equals(Pods.phase(p))).count());
    int failed = Math.max(previous(job, false), (int) owned.stream().filter(p -> "Failed".equals(Pods.phase(p))).count());
    Set<String> awaited = creations.awaited(key, name -> pods.getStore().getByKey(Pods.key(namespace, name)) != null);

    Integer completions = job.getSpec().getCompletions();
    int parallelism = job.getSpec().getParallelism() == null ? 1 : job.getSpec().getParallelism();
    int backoffLimit = job.getSpec().getBackoffLimit() == null ? 6 : job.getSpec().getBackoffLimit();
    // Without completions the Job is a work queue: it is done once one pod succeeded and the others finished.
    boolean complete = completions == null ? succeeded > 0 && active.isEmpty() : succeeded >= completions;
    boolean failedJob = !complete && failed > backoffLimit;
    if (!complete && !failedJob) {
      int wantedActive =
          completions == null
              ? (succeeded > 0 ? 0 : parallelism)
              : Math.min(parallelism, completions - succeeded);
      for (int i = active.size() + awaited.size(); i < wantedActive; i++) {
        createPod(job, key);
      }
    }
    if (failedJob) {
      active.forEach(this::deletePod);
    }
    writeStatus(job, active, succeeded, failed, complete, failedJob);
  }

  private static boolean isFinished(Job job) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return false;
    }
    for (JobCondition c : job.getStatus().getConditions()) {
      if (("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus())) {
        return true;
      }
    }
    return false;
  }

  private static int previous(Job job, boolean succeeded) {
    if (job.getStatus() == null) {
      return 0;
    }
    Integer value = succeeded ? job.getStatus().getSucceeded() : job.getStatus().getFailed();
    return value == null ? 0 : value;
  }

  private void createPod(Job job, String key) {
    String name = Names.withRandomSuffix(job.getMetadata().getName());
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(JOB_NAME_LABEL, job.getMetadata().getName());
    labels.put("job-name", job.getMetadata().getName());
    labels.put(CONTROLLER_UID_LABEL, job.getMetadata().getUid());
    labels.put("controller-uid", job.getMetadata().getUid());
    Pod pod = Pods.fromTemplate(job.getSpec().getTemplate(), job, name, labels);
    if (pod.getSpec().getRestartPolicy() == null || "Always".equals(pod.getSpec().getRestartPolicy())) {
      pod.getSpec().setRestartPolicy("Never"); // the API server rejects Always for a Job; Never is the usual choice
    }
    creations.expect(key, name);
    try {
      client.pods().inNamespace(job.getMetadata().getNamespace()).resource(pod).create();
    } catch (KubernetesClientException e) {
      creations.forget(key, name);
      throw e;
    }
  }

  private void deletePod(Pod pod) {
    client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
  }

  private void writeStatus(Job job, List<Pod> active, int succeeded, int failed, boolean complete, boolean failedJob) {
    Map<String, Object> status = new LinkedHashMap<>();
    String startTime = job.getStatus() != null && job.getStatus().getStartTime() != null ? job.getStatus().getStartTime() : Pods.now();
    status.put("startTime", startTime);
    status.put("active", complete || failedJob ? 0 : active.size());
    status.put("ready", (int) active.stream().filter(Pods::isReady).count());
    status.put("succeeded", succeeded);
    status.put("failed", failed);
    if (complete || failedJob) {
      Map<String, Object> condition = new LinkedHashMap<>();
      condition.put("type", complete ? "Complete" : "Failed");
      condition.put("status", "True");
      if (failedJob) {
        condition.put("reason", "BackoffLimitExceeded");
        condition.put("message", "Job has reached the specified backoff limit");
      }
      condition.put("lastProbeTime", Pods.now());
      condition.put("lastTransitionTime", Pods.now());
      status.put("conditions", List.of(condition));
      if (complete) {
        status.put("completionTime", Pods.now());
      }
    }
    WorkloadStatus.updateIfChanged(client, job, status);
  }
}
