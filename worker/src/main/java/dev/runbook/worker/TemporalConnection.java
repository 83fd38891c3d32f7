package dev.runbook.worker;

import io.temporal.envconfig.ClientConfigProfile;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Connects to Temporal from a profile and checks it answers, so a wrong address fails at start, in plain words. */
public final class TemporalConnection {
  private static final Logger log = LoggerFactory.getLogger(TemporalConnection.class);

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private TemporalConnection() {}

  /** The connected stubs, or null after logging what to do. */
  public static WorkflowServiceStubs connect(ClientConfigProfile profile) {
    WorkflowServiceStubsOptions options = profile.toWorkflowServiceStubsOptions();
    String target = options.getTarget() == null ? "127.0.0.1:7233" : options.getTarget();
    try {
      return WorkflowServiceStubs.newConnectedServiceStubs(options, CONNECT_TIMEOUT);
    } catch (RuntimeException e) {
      log.error(
          "cannot reach Temporal at {} ({}): start one with `temporal server start-dev`, or set TEMPORAL_ADDRESS "
              + "(and TEMPORAL_NAMESPACE, TLS / API key variables) to your server",
          target,
          e.getMessage());
      return null;
    }
  }
}
