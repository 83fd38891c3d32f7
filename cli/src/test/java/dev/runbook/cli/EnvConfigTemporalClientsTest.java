package dev.runbook.cli;

import static dev.runbook.cli.Expect.contains;
import static dev.runbook.cli.Expect.exit;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.temporal.envconfig.ClientConfigProfile;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Temporal connection settings and the unreachable case")
class EnvConfigTemporalClientsTest {
  @Test
  void commandLineAddressAndNamespaceOverrideTheEnvironmentProfile() {
    ClientConfigProfile p =
        EnvConfigTemporalClients.profile(new TemporalOptions("temporal.example:7233", "ops", null, "node-maintenance"));

    assertEquals("temporal.example:7233", p.getAddress());
    assertEquals("ops", p.getNamespace());
  }

  @Test
  void anUnreachableServerIsExitThreeWithWhatToDo() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    CliContext context = CliRun.offline().withTemporal(new EnvConfigTemporalClients(Duration.ofSeconds(1)));

    CliRun run = CliRun.run(context, "node", "status", "worker-1", "--address", "127.0.0.1:" + closedPort);

    exit(ExitCode.TEMPORAL_UNREACHABLE, run);
    contains(run.err(), "cannot reach Temporal at 127.0.0.1:" + closedPort, "temporal server start-dev", "TEMPORAL_ADDRESS");
  }
}
