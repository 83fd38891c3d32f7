package dev.runbook.cli;

import io.temporal.client.WorkflowClient;

/**
 * Where commands get their {@link WorkflowClient}: {@link EnvConfigTemporalClients} in the real command, a test
 * environment's client in tests. Throws {@link CliException} with {@link ExitCode#TEMPORAL_UNREACHABLE} when
 * Temporal does not answer.
 */
@FunctionalInterface
public interface TemporalClients {
  WorkflowClient connect(TemporalOptions options);
}
