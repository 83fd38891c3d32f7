package dev.runbook.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs {@code runbook} in-process with captured stdout/stderr. */
public record CliRun(int exitCode, String out, String err) {
  public static CliRun run(CliContext context, String... args) {
    CommandLine cl = Runbook.commandLine(context);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }

  /** A context for commands that must not reach Temporal, the cluster or the demo world. */
  public static CliContext offline() {
    return new CliContext(
        options -> {
          throw new AssertionError("this command must not connect to Temporal");
        },
        () -> {
          throw new AssertionError("this command must not connect to the cluster");
        },
        (client, queue, speed) -> {
          throw new AssertionError("this command must not start a demo world");
        },
        d -> {},
        () -> java.time.Instant.parse("2026-11-28T03:00:00Z"),
        false);
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
  }
}
