package dev.runbook.cli;

/** A failure to report to the user as one message on stderr and an {@link ExitCode}; no stack trace. */
public class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;
  private final boolean transientFailure;

  public CliException(int exitCode, String message) {
    this(exitCode, message, null, false);
  }

  public CliException(int exitCode, String message, Throwable cause) {
    this(exitCode, message, cause, false);
  }

  /**
   * @param transientFailure asking again may well succeed (Temporal briefly away, no worker answering a query
   *     while one restarts); a watch loop waits instead of giving up
   */
  public CliException(int exitCode, String message, Throwable cause, boolean transientFailure) {
    super(message, cause);
    this.exitCode = exitCode;
    this.transientFailure = transientFailure;
  }

  public int exitCode() {
    return exitCode;
  }

  public boolean isTransient() {
    return transientFailure;
  }

  public static CliException usage(String message) {
    return new CliException(ExitCode.USAGE, message);
  }

  public static CliException failed(String message) {
    return new CliException(ExitCode.FAILED, message);
  }
}
