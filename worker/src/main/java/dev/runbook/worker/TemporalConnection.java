package dev.runbook.worker;

import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.envconfig.ClientConfigProfile;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Connects to Temporal from a temporal-envconfig profile and checks that it answers, so a wrong address fails at
 * start in plain words. The worker and every {@code runbook} command connect through here.
 */
public final class TemporalConnection {
  static final String DEFAULT_TARGET = "127.0.0.1:7233";

  private TemporalConnection() {}

  /** Temporal did not answer within the timeout. */
  public static final class UnreachableException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String target;

    UnreachableException(String target, RuntimeException cause) {
      super("cannot reach Temporal at " + target + " (" + rootMessage(cause) + ")", cause);
      this.target = target;
    }

    public String target() {
      return target;
    }
  }

  /**
   * Stubs that answered one call within {@code timeout}. One plain call with a deadline rather than
   * {@code newConnectedServiceStubs}, which retries a refused connection for ~15 s whatever timeout it is given.
   */
  public static WorkflowServiceStubs connect(ClientConfigProfile profile, Duration timeout) {
    WorkflowServiceStubsOptions options = profile.toWorkflowServiceStubsOptions();
    String target = options.getTarget() == null ? DEFAULT_TARGET : options.getTarget();
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(options);
    try {
      stubs
          .blockingStub()
          .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      return stubs;
    } catch (RuntimeException e) {
      stubs.shutdownNow();
      throw new UnreachableException(target, e);
    }
  }

  /** The innermost cause's message: what gRPC and the SDK wrap several times over. */
  public static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
