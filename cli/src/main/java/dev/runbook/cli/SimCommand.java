package dev.runbook.cli;

import dev.runbook.simulator.SimMain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "sim",
    mixinStandardHelpOptions = true,
    description = {
      "Serve a simulated Kubernetes + KubeVirt cluster until stopped.",
      "Writes a kubeconfig for it (kubectl, the worker and `runbook node plan` work against it); "
          + "the score (evictions, migrations, VM fates, broken invariants) is at GET /sim/report."
    })
public final class SimCommand implements Callable<Integer> {
  @Option(
      names = "--scenario",
      paramLabel = "FILE",
      description = "Multi-document YAML of Nodes, Pods, workloads, PDBs, PVCs, VMs (default: the demo cluster).")
  Path scenario;

  @Option(names = "--port", paramLabel = "N", defaultValue = "0", description = "Port to serve on (default: any free port).")
  int port;

  @Option(
      names = "--kubeconfig",
      paramLabel = "OUT",
      defaultValue = "runbook-sim.kubeconfig",
      description = "Where to write the kubeconfig (default: ${DEFAULT-VALUE}); then export KUBECONFIG=OUT.")
  Path kubeconfig;

  @Option(names = "--speed", paramLabel = "F", defaultValue = "1", description = "Simulated time per real time (default ${DEFAULT-VALUE}; 10 = ten times faster).")
  double speed;

  @Override
  public Integer call() {
    validate();
    List<String> args = new ArrayList<>(List.of("--port", String.valueOf(port), "--kubeconfig", kubeconfig.toString(), "--speed", String.valueOf(speed)));
    if (scenario != null) {
      args.addAll(List.of("--scenario", scenario.toString()));
    }
    try {
      // Serves until the JVM is asked to stop (SIGTERM / Ctrl-C), then prints the score.
      SimMain.main(args.toArray(String[]::new));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return ExitCode.OK;
  }

  void validate() {
    if (scenario != null && !Files.isReadable(scenario)) {
      throw CliException.usage("cannot read scenario file " + scenario + ": give a readable YAML file, or leave --scenario out for the demo cluster");
    }
    if (port < 0 || port > 65535) {
      throw CliException.usage("--port " + port + " is not a TCP port: use 1-65535, or 0 for any free port");
    }
    if (!(speed > 0) || Double.isInfinite(speed)) {
      throw CliException.usage("--speed " + speed + " must be a positive number, e.g. 1 (real time) or 10 (ten times faster)");
    }
    Path dir = kubeconfig.toAbsolutePath().getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      throw CliException.usage("--kubeconfig " + kubeconfig + ": directory " + dir + " does not exist");
    }
  }
}
