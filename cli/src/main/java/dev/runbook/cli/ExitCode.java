package dev.runbook.cli;

import java.util.Collections;
import java.util.TreeMap;
import java.util.Map;

/**
 * The exit codes of every {@code runbook} command, one meaning each, so a script can branch on them without
 * parsing messages. The message on stderr says what to do.
 */
public final class ExitCode {
  private ExitCode() {}

  public static final int OK = 0;
  /** The operation ran and failed: the workflow failed or was refused, a maintenance already runs, ... */
  public static final int FAILED = 1;
  /** Bad usage or input: an unknown option, a malformed duration, a node name that cannot exist. */
  public static final int USAGE = 2;
  /** Temporal cannot be reached (address, namespace, TLS or API key). */
  public static final int TEMPORAL_UNREACHABLE = 3;
  /** The Kubernetes cluster cannot be reached (KUBECONFIG, in-cluster service account). */
  public static final int CLUSTER_UNREACHABLE = 4;

  /** The "Exit codes" section of every {@code --help}. */
  public static final Map<String, String> HELP =
      Collections.unmodifiableMap(
          new TreeMap<>(
              Map.of(
                  "0", "ok",
                  "1", "the operation failed (workflow failed or was cancelled, maintenance already running, drain blocked, plan infeasible)",
                  "2", "bad usage or input; the message says what to do",
                  "3", "cannot reach Temporal (TEMPORAL_ADDRESS / --address, namespace, TLS, API key)",
                  "4", "cannot reach the Kubernetes cluster (KUBECONFIG or the in-cluster service account)")));
}
