package dev.runbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.activities.KubernetesClients;
import dev.runbook.simulator.SimulatedCluster;
import dev.runbook.worker.MaintenanceWorker;
import dev.runbook.worker.WorkerConfig;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.temporal.client.WorkflowClient;
import java.time.Duration;

/**
 * The demo's world: the simulated cluster with its built-in demo scenario and a worker running the real
 * NodeMaintenance workflow and activities against it, on the demo's Temporal.
 */
final class SimulatedDemoWorld implements DemoWorld {
  /** The demo scenario puts a bit of everything a drain meets on this node. */
  static final String DEMO_NODE = "worker-1";

  private final SimulatedCluster cluster;
  private final MaintenanceWorker worker;

  private SimulatedDemoWorld(SimulatedCluster cluster, MaintenanceWorker worker) {
    this.cluster = cluster;
    this.worker = worker;
  }

  static DemoWorld start(WorkflowClient temporal, String taskQueue, double speed) {
    SimulatedCluster cluster = SimulatedCluster.builder().demoScenario().speed(speed).withDefaultControllers().start();
    try {
      // The cluster owns and closes both clients; the eviction client never retries so a PDB's 429 is seen at once.
      KubernetesClients kube = new KubernetesClients(cluster.client(), cluster.newClient(c -> c.withRequestRetryBackoffLimit(0)));
      // A short grace: at the end of the demo nothing is left running that Temporal would need to retry.
      WorkerConfig config = WorkerConfig.defaults().withTaskQueue(taskQueue).withShutdownGrace(Duration.ofSeconds(2));
      return new SimulatedDemoWorld(cluster, MaintenanceWorker.start(temporal, kube, config));
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  @Override
  public String node() {
    return DEMO_NODE;
  }

  /** The cluster's score, plus where every pod runs now (which the score does not record). */
  @Override
  public JsonNode report() {
    ObjectNode report = Json.mapper().valueToTree(cluster.report());
    ArrayNode pods = report.putArray("pods");
    for (Pod pod : cluster.client().pods().inAnyNamespace().list().getItems()) {
      ObjectNode p = pods.addObject();
      p.put("namespace", pod.getMetadata().getNamespace());
      p.put("name", pod.getMetadata().getName());
      p.put("node", pod.getSpec() == null ? null : pod.getSpec().getNodeName());
      OwnerReference owner =
          pod.getMetadata().getOwnerReferences() == null
              ? null
              : pod.getMetadata().getOwnerReferences().stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst().orElse(null);
      p.put("owner", owner == null ? null : owner.getKind() + "/" + owner.getName());
    }
    return report;
  }

  @Override
  public void close() {
    try {
      worker.close();
    } finally {
      cluster.close();
    }
  }
}
