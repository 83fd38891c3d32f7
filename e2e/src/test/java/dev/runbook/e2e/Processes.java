package dev.runbook.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Real processes for the end-to-end tests: started with their output in a log file, and never left behind. Every
 * process started here is destroyed with its descendants when the test class ends, and by a JVM shutdown hook
 * if the run is aborted (a stray dev server would keep its port and database file locked).
 */
final class Processes {
  private static final List<Process> LIVE = new CopyOnWriteArrayList<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(Processes::destroyAll, "e2e-process-cleanup"));
  }

  private Processes() {}

  /** The result of a command run to completion. */
  record Result(List<String> command, int exitCode, String stdout, String stderr) {
    Result requireSuccess() {
      if (exitCode != 0) {
        throw new AssertionError(this.toString());
      }
      return this;
    }

    @Override
    public String toString() {
      return String.join(" ", command) + " -> exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
    }
  }

  static Process start(List<String> command, Map<String, String> env, Path log) {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    try {
      Process p = pb.start();
      LIVE.add(p);
      return p;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + command + ": " + e.getMessage(), e);
    }
  }

  /** Runs a command to completion; output is captured in files so a large one cannot block the child. */
  static Result run(Duration timeout, Map<String, String> env, String... command) {
    try {
      Path out = Files.createTempFile("e2e-out", ".txt");
      Path err = Files.createTempFile("e2e-err", ".txt");
      try {
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        LIVE.add(p);
        boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!done) {
          destroyTree(p);
          throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout);
        }
        LIVE.remove(p);
        return new Result(List.of(command), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + List.of(command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static Result run(Duration timeout, String... command) {
    return run(timeout, Map.of(), command);
  }

  /** SIGTERM to the process and its descendants, then SIGKILL to whatever is still there after a grace period. */
  static void destroyTree(Process p) {
    List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
    all.add(p.toHandle());
    all.forEach(ProcessHandle::destroy);
    for (ProcessHandle h : all) {
      try {
        h.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        h.destroyForcibly();
      }
    }
    LIVE.remove(p);
  }

  static void destroyAll() {
    for (Process p : List.copyOf(LIVE)) {
      destroyTree(p);
    }
  }

  static void forget(Process p) {
    LIVE.remove(p);
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The absolute path of a program on PATH, or an error that says how to install it (no skipping). */
  static String requireOnPath(String program, String howToInstall) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new AssertionError(program + " is not on PATH; the end-to-end tests need the real one: " + howToInstall);
  }
}
