package dev.runbook.simulator;

import dev.runbook.simulator.api.ApiServer;
import dev.runbook.simulator.api.EvictionHandler;
import dev.runbook.simulator.api.Json;
import dev.runbook.simulator.api.RequestAudit;
import dev.runbook.simulator.api.ResourceRegistry;
import dev.runbook.simulator.api.ResourceStore;
import dev.runbook.simulator.scenario.KubeVirtCrds;
import dev.runbook.simulator.scenario.ScenarioLoader;
import dev.runbook.simulator.score.ScoreBoard;
import dev.runbook.simulator.score.ScoreReport;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated Kubernetes + KubeVirt cluster: an HTTP apiserver loaded with a scenario, and the controllers that
 * bring it to life, each talking to the apiserver through its own client as a real controller would.
 *
 * <pre>{@code
 * try (SimulatedCluster cluster = SimulatedCluster.builder().demoScenario().withDefaultControllers().start()) {
 *   cluster.writeKubeconfig(Path.of("kubeconfig"));
 *   cluster.client().nodes().list();
 * }
 * }</pre>
 */
public final class SimulatedCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SimulatedCluster.class);
  static final List<String> SYSTEM_NAMESPACES = List.of("default", "kube-system", "kube-public", "kube-node-lease");

  private final SimClock clock;
  private final ScoreBoard score;
  private final SimContext context;
  private final ResourceStore store;
  private final ApiServer server;
  private final List<SimController> controllers;
  private final List<KubernetesClient> clients = new CopyOnWriteArrayList<>();
  /** Per process (see {@link SimController#process()}): the informers its controllers share. */
  private final Map<String, SharedInformers> processes = new LinkedHashMap<>();
  private volatile KubernetesClient client;

  private SimulatedCluster(Builder builder) {
    this.clock = new SimClock(builder.speed);
    this.score = new ScoreBoard();
    this.context = new SimContext(clock, score, builder.settings);
    this.store = new ResourceStore(new ResourceRegistry());
    this.controllers = List.copyOf(builder.controllers);
    EvictionHandler evictions = new EvictionHandler(store, builder.admitters, this::client, context);
    this.server = new ApiServer(store, evictions, () -> Json.toNode(score.report()));
    try {
      server.start(builder.port);
      var crds = store.registry().find("apiextensions.k8s.io", "v1", "customresourcedefinitions").orElseThrow();
      KubeVirtCrds.all().forEach(crd -> store.create(crds, null, crd));
      SYSTEM_NAMESPACES.forEach(store::ensureNamespace);
      new ScenarioLoader(store).load(builder.scenario);
      startControllers();
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("cannot start the simulated apiserver on port " + builder.port, e);
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  /**
   * Controllers are independent (each has its own client for its writes), so they start side by side: each waits for
   * its informers to sync, and one after another that wait made the cluster take seconds to come up. The controllers
   * of one process share its informers (with a client of the process's own), as kube-controller-manager's and
   * virt-controller's do; a controller of a process of its own (the scheduler, the kubelet) has informers of its own.
   */
  private void startControllers() {
    if (controllers.isEmpty()) {
      return;
    }
    ExecutorService starter = Executors.newFixedThreadPool(controllers.size(), r -> new Thread(r, "sim-start"));
    try {
      List<Future<?>> started = new ArrayList<>();
      for (SimController controller : controllers) {
        KubernetesClient controllerClient = newClient(UnaryOperator.identity());
        SharedInformers informers =
            processes.computeIfAbsent(controller.process(), p -> new SharedInformers(newClient(UnaryOperator.identity())));
        started.add(
            starter.submit(
                () -> {
                  controller.start(controllerClient, context, informers);
                  log.info("controller {} started", controller.name());
                }));
      }
      for (Future<?> f : started) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the simulated controllers", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("a simulated controller failed to start", cause);
    } finally {
      starter.shutdownNow();
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A client on this cluster (shared; closed with the cluster). Watches use HTTP streams. */
  public KubernetesClient client() {
    KubernetesClient current = client;
    if (current == null) {
      synchronized (this) {
        if (client == null) {
          client = newClient(UnaryOperator.identity());
        }
        current = client;
      }
    }
    return current;
  }

  /**
   * A new client of its own, e.g. {@code c -> c.withRequestRetryBackoffLimit(0)} to see a 429 at once. Closed with
   * the cluster.
   */
  public KubernetesClient newClient(UnaryOperator<ConfigBuilder> customize) {
    Config config =
        customize
            .apply(
                new ConfigBuilder(Config.empty())
                    .withMasterUrl(masterUrl())
                    .withNamespace("default")
                    .withOnlyHttpWatches(true)
                    .withTrustCerts(true))
            .build();
    KubernetesClient created =
        new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new JdkHttpClientFactory()).build();
    clients.add(created);
    return created;
  }

  public String masterUrl() {
    return server.url();
  }

  public int port() {
    return server.port();
  }

  public SimContext context() {
    return context;
  }

  /**
   * The informers each simulated process runs, by process and then by what they list and watch, with the number of
   * controllers handling each one's events.
   */
  public Map<String, Map<String, Integer>> informers() {
    Map<String, Map<String, Integer>> all = new LinkedHashMap<>();
    processes.forEach((process, informers) -> all.put(process, informers.handlerCounts()));
    return all;
  }

  public ScoreReport report() {
    return score.report();
  }

  /**
   * Every API request served so far, one entry per distinct (user agent, verb, group, resource, subresource,
   * namespace, name) with its count: an immutable snapshot. Also served as JSON at {@code GET /sim/requests}
   * ({@code ?userAgent=prefix} to filter).
   */
  public List<RequestAudit.Entry> requests() {
    return server.audit().snapshot();
  }

  /** The requests of the clients whose User-Agent starts with a prefix (e.g. "runbook-worker"). */
  public List<RequestAudit.Entry> requests(String userAgentPrefix) {
    return requests().stream().filter(e -> e.userAgent().startsWith(userAgentPrefix)).toList();
  }

  /** A kubeconfig that kubectl and fabric8 both read: plain HTTP on the loopback, no credentials. */
  public Path writeKubeconfig(Path file) {
    String kubeconfig =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: runbook-sim
          cluster:
            server: %s
        contexts:
        - name: runbook-sim
          context:
            cluster: runbook-sim
            user: runbook-sim
            namespace: default
        current-context: runbook-sim
        users:
        - name: runbook-sim
          user: {}
        preferences: {}
        """
            .formatted(masterUrl());
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, kubeconfig, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write kubeconfig " + file, e);
    }
    return file;
  }

  @Override
  public void close() {
    for (SimController controller : controllers) {
      try {
        controller.close();
      } catch (RuntimeException e) {
        log.warn("controller {} did not close cleanly", controller.name(), e);
      }
    }
    processes.values().forEach(SharedInformers::close);
    clients.forEach(KubernetesClient::close);
    server.close();
    clock.close();
  }

  /** How to build a {@link SimulatedCluster}. Without a scenario it serves an empty cluster. */
  public static final class Builder {
    private String scenario = "";
    private double speed = 1.0;
    private int port = 0;
    private SimSettings settings = SimSettings.defaults();
    private final List<SimController> controllers = new ArrayList<>();
    private final List<EvictionAdmitter> admitters = new ArrayList<>();

    private Builder() {}

    /** Multi-document Kubernetes YAML. */
    public Builder scenario(String yaml) {
      this.scenario = yaml;
      return this;
    }

    public Builder scenario(Path file) {
      try {
        this.scenario = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read scenario " + file, e);
      }
      return this;
    }

    /** The built-in demo cluster ({@code scenarios/demo.yaml}). */
    public Builder demoScenario() {
      this.scenario = ScenarioLoader.demoScenario();
      return this;
    }

    /** Simulated time runs this many times faster than wall-clock time. */
    public Builder speed(double speed) {
      this.speed = speed;
      return this;
    }

    /** 0 picks a free port. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder settings(SimSettings settings) {
      this.settings = settings;
      return this;
    }

    public Builder controller(SimController controller) {
      controllers.add(controller);
      return this;
    }

    public Builder controllers(List<? extends SimController> more) {
      controllers.addAll(more);
      return this;
    }

    public Builder admitter(EvictionAdmitter admitter) {
      admitters.add(admitter);
      return this;
    }

    /**
     * Every {@link SimController} and {@link EvictionAdmitter} on the class path, declared in
     * {@code META-INF/services} (each needs a public no-argument constructor).
     */
    public Builder withDefaultControllers() {
      ServiceLoader.load(SimController.class).forEach(controllers::add);
      ServiceLoader.load(EvictionAdmitter.class).forEach(admitters::add);
      return this;
    }

    public SimulatedCluster start() {
      return new SimulatedCluster(this);
    }
  }
}
