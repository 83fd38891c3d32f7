package dev.runbook.worker;

import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import java.lang.reflect.Method;
import org.slf4j.MDC;

/**
 * Puts the node an activity works on into the logging context ({@code node}), beside the workflow id the SDK puts
 * there itself, so every activity log line says which maintenance and which node it belongs to.
 */
final class NodeLoggingInterceptor extends WorkerInterceptorBase {
  static final String MDC_NODE = "node";

  @Override
  public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new ActivityInboundCallsInterceptorBase(next) {
      @Override
      public ActivityOutput execute(ActivityInput input) {
        String node = nodeOf(input.getArguments());
        if (node == null) {
          return super.execute(input);
        }
        try (MDC.MDCCloseable ignored = MDC.putCloseable(MDC_NODE, node)) {
          return super.execute(input);
        }
      }
    };
  }

  /** The {@code nodeName()} (or {@code sourceNode()}) of the request record, when it has one. */
  static String nodeOf(Object[] arguments) {
    if (arguments == null || arguments.length == 0 || arguments[0] == null) {
      return null;
    }
    Object request = arguments[0];
    if (!request.getClass().isRecord()) {
      return null;
    }
    for (String accessor : new String[] {"nodeName", "sourceNode"}) {
      try {
        Method m = request.getClass().getMethod(accessor);
        Object value = m.invoke(request);
        if (value instanceof String s && !s.isEmpty()) {
          return s;
        }
      } catch (ReflectiveOperationException e) {
        // this request has no such accessor; try the next
      }
    }
    return null;
  }
}
