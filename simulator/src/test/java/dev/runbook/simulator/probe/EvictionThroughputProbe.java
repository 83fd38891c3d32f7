package dev.runbook.simulator.probe;

import dev.runbook.simulator.SimulatedCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Not a test: a measuring tool. Cordons worker-1, evicts every pod on it with a plain HTTP client keeping a fixed
 * number of eviction calls in flight, and prints how long all the calls took, the per-call median and maximum, and
 * when the node had no pods left (polled with a field-selected list every 20 ms).
 *
 * <pre>
 * mvn -B -o -q -pl simulator -am test-compile
 * java -cp simulator/target/test-classes:simulator/target/classes:$(cat /tmp/sim.cp) \
 *     dev.runbook.simulator.probe.EvictionThroughputProbe bench/scenarios/pods-110.yaml 4 10
 * </pre>
 */
public final class EvictionThroughputProbe {
  public static void main(String[] args) throws Exception {
    Path scenario = Path.of(args[0]);
    double speed = Double.parseDouble(args[1]);
    int inFlight = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    String node = args.length > 3 ? args[3] : "worker-1";
    try (SimulatedCluster cluster =
        SimulatedCluster.builder().scenario(scenario).speed(speed).port(0).withDefaultControllers().start()) {
      KubernetesClient client = cluster.newClient(c -> c.withRequestRetryBackoffLimit(0));
      client.nodes().withName(node).edit(n -> {
        if (n.getSpec() == null) {
          n.setSpec(new io.fabric8.kubernetes.api.model.NodeSpec());
        }
        n.getSpec().setUnschedulable(true);
        return n;
      });
      List<Pod> onNode = client.pods().inAnyNamespace().withField("spec.nodeName", node).list().getItems();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      ExecutorService evictors = Executors.newFixedThreadPool(inFlight);
      List<Double> callMillis = Collections.synchronizedList(new ArrayList<>());
      List<Future<Integer>> codes = new ArrayList<>();
      long start = System.nanoTime();
      for (Pod pod : onNode) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        String body =
            "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"}}"
                .formatted(name, ns);
        HttpRequest request =
            HttpRequest.newBuilder(
                    URI.create(cluster.masterUrl() + "/api/v1/namespaces/" + ns + "/pods/" + name + "/eviction"))
                .header("Content-Type", "application/json")
                .header("User-Agent", "eviction-probe")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        codes.add(
            evictors.submit(
                () -> {
                  long t = System.nanoTime();
                  int code = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                  callMillis.add((System.nanoTime() - t) / 1e6);
                  return code;
                }));
      }
      int refused = 0;
      for (Future<Integer> f : codes) {
        if (f.get() / 100 != 2) {
          refused++;
        }
      }
      double callsDone = (System.nanoTime() - start) / 1e9;
      while (!client.pods().inAnyNamespace().withField("spec.nodeName", node).list().getItems().isEmpty()) {
        Thread.sleep(20);
      }
      double empty = (System.nanoTime() - start) / 1e9;
      evictors.shutdownNow();
      List<Double> sorted = new ArrayList<>(callMillis);
      Collections.sort(sorted);
      System.out.println(
          String.format(
              Locale.ROOT,
              "pods=%d inFlight=%d refused=%d callsDone=%.2fs medianCall=%.0fms maxCall=%.0fms nodeEmpty=%.2fs",
              onNode.size(), inFlight, refused, callsDone, sorted.get(sorted.size() / 2),
              sorted.get(sorted.size() - 1), empty));
    }
    System.exit(0);
  }
}
