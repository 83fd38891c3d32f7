package dev.runbook.simulator.probe;

import dev.runbook.simulator.SimulatedCluster;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.Eviction;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Not a test: a measuring tool. Drains worker-1 of a bench scenario the way the workflow does (cordon, evict
 * everything at once, a refused eviction retried the moment the PDB allows one; a VM's launcher left to its
 * evacuation) and prints, per step, when each state change reached a watching client.
 *
 * <pre>
 * mvn -B -o -q -pl simulator -am test-compile
 * java -cp simulator/target/test-classes:simulator/target/classes:$(cat /tmp/sim.cp) \
 *     dev.runbook.simulator.probe.DrainLatencyProbe bench/scenarios/statefulset-pdb.yaml 4
 * </pre>
 */
public final class DrainLatencyProbe {
  private static final long T0 = System.nanoTime();
  private static final List<String> LOG = java.util.Collections.synchronizedList(new ArrayList<>());

  static double now() {
    return (System.nanoTime() - T0) / 1e9;
  }

  static void log(String what) {
    System.out.println(String.format(Locale.ROOT, "%8.3f %s", now(), what));
  }

  public static void main(String[] args) throws Exception {
    Path scenario = Path.of(args[0]);
    double speed = Double.parseDouble(args[1]);
    try (SimulatedCluster cluster =
        SimulatedCluster.builder().scenario(scenario).speed(speed).port(0).withDefaultControllers().start()) {
      KubernetesClient client = cluster.newClient(c -> c.withRequestRetryBackoffLimit(0));
      Map<String, String> seen = new ConcurrentHashMap<>();
      client.pods().inAnyNamespace().inform(new ResourceEventHandler<Pod>() {
        @Override public void onAdd(Pod p) { state(p); }
        @Override public void onUpdate(Pod o, Pod p) { state(p); }
        @Override public void onDelete(Pod p, boolean unknown) { log("pod " + id(p) + " DELETED"); }
        void state(Pod p) {
          String s = (p.getMetadata().getDeletionTimestamp() != null ? "Terminating" : phase(p))
              + (ready(p) ? "+Ready" : "") + "@" + p.getSpec().getNodeName();
          if (!s.equals(seen.put(id(p), s))) {
            log("pod " + id(p) + " " + s);
          }
        }
      }, 0);
      client.policy().v1().podDisruptionBudget().inAnyNamespace().inform(new ResourceEventHandler<PodDisruptionBudget>() {
        @Override public void onAdd(PodDisruptionBudget b) { state(b); }
        @Override public void onUpdate(PodDisruptionBudget o, PodDisruptionBudget b) { state(b); }
        @Override public void onDelete(PodDisruptionBudget b, boolean unknown) {}
        void state(PodDisruptionBudget b) {
          var st = b.getStatus();
          String s = "allowed=" + st.getDisruptionsAllowed() + " healthy=" + st.getCurrentHealthy()
              + " disrupted=" + (st.getDisruptedPods() == null ? 0 : st.getDisruptedPods().size());
          if (!s.equals(seen.put("pdb/" + b.getMetadata().getName(), s))) {
            log("pdb " + b.getMetadata().getName() + " " + s);
          }
        }
      }, 0);
      ResourceDefinitionContext vmims = new ResourceDefinitionContext.Builder()
          .withGroup("kubevirt.io").withVersion("v1").withPlural("virtualmachineinstancemigrations")
          .withKind("VirtualMachineInstanceMigration").withNamespaced(true).build();
      client.genericKubernetesResources(vmims).inAnyNamespace().inform(new ResourceEventHandler<GenericKubernetesResource>() {
        @Override public void onAdd(GenericKubernetesResource m) { state(m); }
        @Override public void onUpdate(GenericKubernetesResource o, GenericKubernetesResource m) { state(m); }
        @Override public void onDelete(GenericKubernetesResource m, boolean unknown) {}
        void state(GenericKubernetesResource m) {
          Object status = m.getAdditionalProperties().get("status");
          Object phase = status instanceof Map<?, ?> s ? s.get("phase") : null;
          Object vmi = ((Map<?, ?>) m.getAdditionalProperties().get("spec")).get("vmiInstanceName");
          String s = String.valueOf(phase);
          if (!s.equals(seen.put("vmim/" + m.getMetadata().getName(), s))) {
            log("vmim " + vmi + " " + s);
          }
        }
      }, 0);

      log("cordon");
      client.nodes().withName("worker-1").edit(n -> { if (n.getSpec() == null) { n.setSpec(new io.fabric8.kubernetes.api.model.NodeSpec()); } n.getSpec().setUnschedulable(true); return n; });
      List<Pod> onNode = client.pods().inAnyNamespace().withField("spec.nodeName", "worker-1").list().getItems();
      ExecutorService evictors = Executors.newFixedThreadPool(Math.max(1, onNode.size()));
      CountDownLatch done = new CountDownLatch(onNode.size());
      for (Pod pod : onNode) {
        evictors.submit(() -> {
          try {
            evictUntilGone(client, pod);
          } catch (Exception e) {
            log("evictor " + id(pod) + " failed: " + e);
          } finally {
            done.countDown();
          }
        });
      }
      done.await(Long.getLong("probe.timeout", 60), TimeUnit.SECONDS);
      log("drained");
      evictors.shutdownNow();
      Thread.sleep(300);
      System.out.println("violations: " + cluster.report().violations());
    }
    System.exit(0);
  }

  /** Evict; on 429 poll-free wait: retry on every PDB / pod change, as the workflow's watch does. */
  static void evictUntilGone(KubernetesClient client, Pod pod) throws InterruptedException {
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    String uid = pod.getMetadata().getUid();
    Object signal = new Object();
    var watch = client.policy().v1().podDisruptionBudget().inNamespace(ns).watch(new io.fabric8.kubernetes.client.Watcher<>() {
      @Override public void eventReceived(Action a, PodDisruptionBudget b) { synchronized (signal) { signal.notifyAll(); } }
      @Override public void onClose(io.fabric8.kubernetes.client.WatcherException e) {}
    });
    var podWatch = client.pods().inNamespace(ns).withName(name).watch(new io.fabric8.kubernetes.client.Watcher<>() {
      @Override public void eventReceived(Action a, Pod p) { synchronized (signal) { signal.notifyAll(); } }
      @Override public void onClose(io.fabric8.kubernetes.client.WatcherException e) {}
    });
    try {
      boolean evicted = false;
      while (true) {
        Pod current = client.pods().inNamespace(ns).withName(name).get();
        if (current == null || !uid.equals(current.getMetadata().getUid())) {
          log("evictor " + ns + "/" + name + " gone");
          return;
        }
        if (!evicted) {
          Eviction eviction = new EvictionBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
              .withDeleteOptions(new io.fabric8.kubernetes.api.model.DeleteOptionsBuilder().withNewPreconditions().withUid(uid).endPreconditions().build()).build();
          try {
            if (client.pods().inNamespace(ns).withName(name).evict(eviction)) {
              log("evict " + ns + "/" + name + " accepted");
              evicted = true;
              continue;
            }
          } catch (KubernetesClientException e) {
            if (e.getCode() != 429) {
              throw e;
            }
            // fall through: wait for a change
          }
        }
        synchronized (signal) {
          signal.wait(1000);
        }
      }
    } finally {
      watch.close();
      podWatch.close();
    }
  }

  static String id(Pod p) {
    return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName() + "(" + p.getMetadata().getUid().substring(0, 4) + ")";
  }

  static String phase(Pod p) {
    return p.getStatus() == null ? "?" : Objects.toString(p.getStatus().getPhase());
  }

  static boolean ready(Pod p) {
    return p.getStatus() != null && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
