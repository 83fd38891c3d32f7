package dev.runbook.cli;

import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.envconfig.ClientConfigProfile;
import io.temporal.envconfig.LoadClientConfigProfileOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Connects the way the worker does (temporal-envconfig's profile: environment and config file), with the
 * command-line overrides on top, and checks the server answers before any command runs, so a wrong address is one
 * clear message and exit code 3 rather than a gRPC stack trace.
 */
public final class EnvConfigTemporalClients implements TemporalClients {
  private static final String DEFAULT_TARGET = "127.0.0.1:7233";

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
    WorkflowServiceStubsOptions stubsOptions = profile.toWorkflowServiceStubsOptions();
    String target = stubsOptions.getTarget() == null ? DEFAULT_TARGET : stubsOptions.getTarget();
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(stubsOptions);
    try {
      // One plain call with a deadline: newConnectedServiceStubs retries a refused connection for ~15 s whatever
      // timeout it is given, too long for a command a person waits on.
      stubs
          .blockingStub()
          .withDeadlineAfter(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
    } catch (RuntimeException e) {
      stubs.shutdownNow();
      throw new CliException(
          ExitCode.TEMPORAL_UNREACHABLE,
          "cannot reach Temporal at "
              + target
              + " ("
              + rootMessage(e)
              + "): start one with `temporal server start-dev`, or point --address / TEMPORAL_ADDRESS (and "
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
              + rootMessage(e));
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

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
