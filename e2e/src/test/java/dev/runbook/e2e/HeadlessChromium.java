package dev.runbook.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Debian's {@code chromium}, headless, one fresh profile per call so no state leaks between page loads. */
final class HeadlessChromium {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private final String binary;
  private final Path workDir;

  HeadlessChromium(Path workDir) {
    this.binary = Processes.requireOnPath("chromium", "run scripts/install-prerequisites (apt-get install chromium)");
    this.workDir = workDir;
    try {
      Files.createDirectories(workDir.resolve("chromium-profiles"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The DOM after the page's scripts ran: the UI fetches the history from the server and renders it. */
  String dumpDom(String url, String keepAs) throws IOException {
    Processes.Result r = Processes.run(TIMEOUT, command(url, "--dump-dom").toArray(String[]::new));
    if (r.exitCode() != 0 || r.stdout().isBlank()) {
      throw new AssertionError("chromium --dump-dom failed: " + r);
    }
    Files.writeString(workDir.resolve(keepAs), r.stdout());
    return r.stdout();
  }

  void screenshot(String url, Path png) throws IOException {
    Files.createDirectories(png.toAbsolutePath().getParent());
    Files.deleteIfExists(png);
    Processes.Result r = Processes.run(TIMEOUT, command(url, "--screenshot=" + png.toAbsolutePath()).toArray(String[]::new));
    if (r.exitCode() != 0 || !Files.isRegularFile(png)) {
      throw new AssertionError("chromium --screenshot failed: " + r);
    }
  }

  private List<String> command(String url, String action) throws IOException {
    Path profile = Files.createTempDirectory(workDir.resolve("chromium-profiles"), "profile");
    List<String> cmd = new ArrayList<>(List.of(binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
        "--window-size=1600,2000", "--virtual-time-budget=15000"));
    cmd.add(action);
    cmd.add(url);
    return cmd;
  }
}
