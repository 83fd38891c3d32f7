package dev.runbook.simulator.controllers;

import static dev.runbook.simulator.controllers.TestCluster.NS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.SimAnnotations;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The Job controller")
class JobControllerTest {
  private TestCluster cluster;

  @BeforeEach
  void startCluster() {
    cluster = new TestCluster().run(new Scheduler(), new Kubelet(), new JobController());
    cluster.node("worker-1");
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }

  @Test
  @DisplayName("runs completions pods, at most parallelism at a time, and then is Complete")
  void runsCompletionsPodsWithParallelismThenCompletes() {
    createJob("batch", 3, 2, "4");
    AtomicInteger mostActive = new AtomicInteger();

    await().untilAsserted(() -> {
      mostActive.accumulateAndGet((int) cluster.pods().stream().filter(Pods::isActive).count(), Math::max);
      JobStatus status = status("batch");
      assertEquals(3, status.getSucceeded() == null ? 0 : status.getSucceeded());
      assertTrue(status.getConditions().stream().anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus())));
    });
    assertTrue(mostActive.get() <= 2, "more than parallelism pods ran at once: " + mostActive.get());
    List<Pod> pods = cluster.pods();
    assertEquals(3, pods.size());
    assertTrue(pods.stream().allMatch(p -> "Succeeded".equals(Pods.phase(p))));
    assertEquals("batch", pods.get(0).getMetadata().getLabels().get(JobController.JOB_NAME_LABEL));
    assertEquals("Never", pods.get(0).getSpec().getRestartPolicy());
  }

  @Test
  @DisplayName("does not recreate a Succeeded pod, even once it is deleted")
  void doesNotRecreateSucceededPods() {
    createJob("once", 1, 1, "1");
    await().until(() -> status("once").getSucceeded() != null && status("once").getSucceeded() == 1);

    cluster.client.pods().inNamespace(NS).withName(cluster.pods().get(0).getMetadata().getName()).delete();

    await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(60)).until(() -> cluster.pods().isEmpty());
    assertEquals(1, status("once").getSucceeded());
  }

  @Test
  @DisplayName("replaces a pod deleted before it finished (evicted by a drain)")
  void replacesAPodDeletedBeforeItFinished() {
    // 600 simulated seconds: the pod is still running when it is deleted
    createJob("long", 1, 1, "600");
    await().until(() -> cluster.pods().stream().anyMatch(p -> "Running".equals(Pods.phase(p))));
    String first = cluster.pods().get(0).getMetadata().getUid();

    cluster.client.pods().inNamespace(NS).withName(cluster.pods().get(0).getMetadata().getName()).delete();

    await().untilAsserted(() -> {
      List<Pod> pods = cluster.pods();
      assertEquals(1, pods.size());
      assertNotEquals(first, pods.get(0).getMetadata().getUid());
    });
  }

  private JobStatus status(String name) {
    Job job = cluster.client.batch().v1().jobs().inNamespace(NS).withName(name).get();
    return job.getStatus() == null ? new JobStatus() : job.getStatus();
  }

  private void createJob(String name, int completions, int parallelism, String runSeconds) {
    PodTemplateSpec template = TestCluster.template(Map.of("app", name));
    template.getMetadata().setAnnotations(Map.of(SimAnnotations.RUN_SECONDS, runSeconds, SimAnnotations.STARTUP_SECONDS, "1"));
    cluster.client.batch().v1().jobs().inNamespace(NS).resource(new JobBuilder()
            .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
            .withNewSpec().withCompletions(completions).withParallelism(parallelism).withTemplate(template).endSpec()
            .build())
        .create();
  }
}
