package dev.runbook.cli;

import dev.runbook.worker.TemporalConnection;

import io.temporal.client.WorkflowClient;
import io.temporal.envconfig.ClientConfigProfile;
import io.temporal.envconfig.LoadClientConfigProfileOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import java.time.Duration;

/**
 * Connects the way the worker does (temporal-envconfig's profile: environment and config file), with the
 * command-line overrides on top, and checks the server answers before any command runs, so a wrong address is one
 * clear message and exit code 3 rather than a gRPC stack trace.
 */
public final class EnvConfigTemporalClients implements TemporalClients {
  private final Duration connectTimeout;

  public EnvConfigTemporalClients() {
    this(Duration.ofSeconds(5));
  }

  /** @param connectTimeout how long to wait for the server's health check before exit code 3 */
  public EnvConfigTemporalClients(Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  @Override
  public WorkflowClient connect(TemporalOptions options) {
    ClientConfigProfile profile = profile(options);
    WorkflowServiceStubs stubs;
    try {
      stubs = TemporalConnection.connect(profile, connectTimeout);
    } catch (TemporalConnection.UnreachableException e) {
      throw new CliException(
          ExitCode.TEMPORAL_UNREACHABLE,
          e.getMessage()
              + ": start one with `temporal server start-dev`, or point --address / TEMPORAL_ADDRESS (and "
              + "TEMPORAL_NAMESPACE, TLS / API key variables) at your server",
          e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(stubs::shutdownNow, "temporal-stubs-shutdown"));
    return WorkflowClient.newInstance(stubs, profile.toWorkflowClientOptions());
  }

  static ClientConfigProfile profile(TemporalOptions options) {
    ClientConfigProfile loaded;
    try {
      LoadClientConfigProfileOptions.Builder load = LoadClientConfigProfileOptions.newBuilder();
      if (options.profile() != null) {
        load.setConfigFileProfile(options.profile());
      }
      loaded = ClientConfigProfile.load(load.build());
    } catch (IOException | RuntimeException e) {
      throw CliException.usage(
          "cannot read the Temporal client configuration (TEMPORAL_* variables, TEMPORAL_CONFIG_FILE"
              + (options.profile() == null ? "" : ", profile '" + options.profile() + "'")
              + "): "
              + TemporalConnection.rootMessage(e));
    }
    ClientConfigProfile.Builder b = loaded.toBuilder();
    if (options.address() != null) {
      b.setAddress(options.address());
    }
    if (options.namespace() != null) {
      b.setNamespace(options.namespace());
    }
    return b.build();
  }

}
