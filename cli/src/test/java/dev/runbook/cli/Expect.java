package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.fail;

/** Text assertions that show the whole text when they fail. */
public final class Expect {
  private Expect() {}

  public static void contains(String text, String... fragments) {
    for (String f : fragments) {
      if (!text.contains(f)) {
        fail("expected to find\n  " + f + "\nin\n" + text);
      }
    }
  }

  public static void doesNotContain(String text, String... fragments) {
    for (String f : fragments) {
      if (text.contains(f)) {
        fail("expected NOT to find\n  " + f + "\nin\n" + text);
      }
    }
  }

  public static void exit(int expected, CliRun run) {
    if (run.exitCode() != expected) {
      fail("expected exit " + expected + " but got " + run);
    }
  }
}
