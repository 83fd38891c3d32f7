package dev.runbook.e2e;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One dev server + demo-cluster simulator + worker for every test class that asks for it (an {@link E2eStack}
 * parameter of its {@code @BeforeAll}): starting a stack costs tens of seconds of CPU on a 2-core machine. The
 * classes use different nodes. The stack lives in the root context's store, so JUnit closes it (it is
 * {@link AutoCloseable}) when the whole run ends; {@link Processes}' shutdown hook covers an aborted run.
 */
final class DemoClusterStack implements BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DemoClusterStack.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    stack(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == E2eStack.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return stack(context);
  }

  private static E2eStack stack(ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("demo", k -> E2eStack.start("demo-cluster", null), E2eStack.class);
  }
}
