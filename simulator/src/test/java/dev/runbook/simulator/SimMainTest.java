package dev.runbook.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("the sim command reads its options strictly")
class SimMainTest {

  @Test
  @DisplayName("no options: the demo cluster on a free port at normal speed")
  void defaults() {
    SimMain.Options options = SimMain.parse(new String[0]);

    assertNull(options.scenario());
    assertEquals(0, options.port());
    assertEquals(1.0, options.speed());
  }

  @Test
  @DisplayName("--scenario, --port, --kubeconfig and --speed are read, with or without '='")
  void allOptions(@TempDir Path dir) throws Exception {
    Path scenario = Files.writeString(dir.resolve("s.yaml"), "");

    SimMain.Options options =
        SimMain.parse(new String[] {"--scenario", scenario.toString(), "--port=8123", "--kubeconfig", "kc",
            "--speed", "10"});

    assertEquals(scenario, options.scenario());
    assertEquals(8123, options.port());
    assertEquals(Path.of("kc"), options.kubeconfig());
    assertEquals(10.0, options.speed());
  }

  @Test
  @DisplayName("unknown options, bad numbers and missing scenario files are refused")
  void badArguments() {
    assertThrows(IllegalArgumentException.class, () -> SimMain.parse(new String[] {"--bogus"}));
    assertThrows(IllegalArgumentException.class, () -> SimMain.parse(new String[] {"--port", "http"}));
    assertThrows(IllegalArgumentException.class, () -> SimMain.parse(new String[] {"--speed", "0"}));
    assertThrows(IllegalArgumentException.class, () -> SimMain.parse(new String[] {"--port"}));
    assertThrows(
        IllegalArgumentException.class, () -> SimMain.parse(new String[] {"--scenario", "/no/such/scenario.yaml"}));
  }

  @Test
  @DisplayName("the command exits with code 2 and a clear message on a bad argument")
  void exitCodeTwo() throws Exception {
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), SimMain.class.getName(), "--port", "not-a-port")
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes());

    assertTrue(process.waitFor(60, TimeUnit.SECONDS));
    assertEquals(2, process.exitValue(), output);
    assertTrue(output.contains("--port must be a number"), output);
  }
}
