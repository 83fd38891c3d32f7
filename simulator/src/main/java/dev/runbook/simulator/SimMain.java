package dev.runbook.simulator;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code SimMain --scenario FILE --port N --kubeconfig OUT [--speed F]}: serve a simulated cluster until stopped.
 * Prints one line when ready, and the score when stopped (SIGTERM / Ctrl-C). Without {@code --scenario} it serves
 * the demo cluster. Bad arguments: a message and exit code 2.
 */
public final class SimMain {
  private SimMain() {}

  /** Parsed command line. */
  record Options(Path scenario, int port, Path kubeconfig, double speed) {}

  static final String USAGE =
      "usage: sim [--scenario FILE] [--port N] [--kubeconfig OUT] [--speed F]\n"
          + "  --scenario FILE  multi-document Kubernetes YAML (default: the built-in demo cluster)\n"
          + "  --port N         port of the API server on 127.0.0.1 (default 0: a free port)\n"
          + "  --kubeconfig OUT write a kubeconfig for kubectl and fabric8 to OUT\n"
          + "  --speed F        simulated time runs F times faster than real time (default 1)";

  public static void main(String[] args) throws InterruptedException {
    Options options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("sim: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    SimulatedCluster.Builder builder =
        SimulatedCluster.builder().port(options.port()).speed(options.speed()).withDefaultControllers();
    if (options.scenario() == null) {
      builder.demoScenario();
    } else {
      builder.scenario(options.scenario());
    }
    SimulatedCluster cluster;
    try {
      cluster = builder.start();
    } catch (RuntimeException e) {
      System.err.println("sim: cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    if (options.kubeconfig() != null) {
      cluster.writeKubeconfig(options.kubeconfig());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    PrintStream out = System.out;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  String summary = cluster.report().summary();
                  cluster.close();
                  out.print(summary);
                  out.flush();
                  stopped.countDown();
                },
                "sim-shutdown"));
    out.println(
        "simulator ready: " + cluster.masterUrl()
            + (options.kubeconfig() == null ? "" : " kubeconfig=" + options.kubeconfig().toAbsolutePath()));
    out.flush();
    stopped.await();
  }

  static Options parse(String[] args) {
    Path scenario = null;
    Path kubeconfig = null;
    int port = 0;
    double speed = 1.0;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String value;
      String name = arg;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else if (arg.equals("--help") || arg.equals("-h")) {
        throw new IllegalArgumentException("help requested");
      } else {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(arg + " needs a value");
        }
        value = args[++i];
      }
      switch (name) {
        case "--scenario" -> {
          scenario = Path.of(value);
          if (!Files.isRegularFile(scenario)) {
            throw new IllegalArgumentException("scenario file not found: " + value);
          }
        }
        case "--kubeconfig" -> kubeconfig = Path.of(value);
        case "--port" -> {
          try {
            port = Integer.parseInt(value);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--port must be a number, got " + value);
          }
          if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be between 0 and 65535, got " + value);
          }
        }
        case "--speed" -> {
          try {
            speed = Double.parseDouble(value);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--speed must be a number, got " + value);
          }
          if (!(speed > 0) || Double.isInfinite(speed)) {
            throw new IllegalArgumentException("--speed must be a positive factor, got " + value);
          }
        }
        default -> throw new IllegalArgumentException("unknown option " + arg);
      }
    }
    return new Options(scenario, port, kubeconfig, speed);
  }
}
