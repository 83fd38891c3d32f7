package dev.runbook.cli;

import dev.runbook.cli.node.NodeCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code runbook}: node maintenance as durable Temporal workflows. */
@Command(
    name = "runbook",
    mixinStandardHelpOptions = true,
    version = "runbook 0.1.0",
    description = {
      "Puts Kubernetes / OpenShift Virtualization nodes into maintenance as durable Temporal workflows: cordon, "
          + "drain (evict pods, live-migrate VMs), wait for resume, uncordon.",
      "",
      "Temporal settings come from TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, "
          + "TEMPORAL_PROFILE and the Temporal CLI config file, overridden by --address / --namespace / --profile; "
          + "the cluster from KUBECONFIG or the in-cluster service account.",
      ""
    },
    subcommands = {
      NodeCommand.class,
      WorkerCommand.class,
      SimCommand.class,
      DemoCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Runbook implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command: try `runbook node status <node>` or `runbook --help`");
  }

  public static void main(String[] args) {
    // Logs go to stderr. The worker and the simulator are services and log at INFO; a command's own output is the
    // message, so it logs warnings only, and the demo (whose display tells the story) errors only.
    String command = args.length > 0 ? args[0] : "";
    if (System.getenv("RUNBOOK_LOG_LEVEL") == null && System.getProperty("RUNBOOK_LOG_LEVEL") == null
        && !command.equals("worker") && !command.equals("sim")) {
      // Read by the worker's logback.xml.
      System.setProperty("RUNBOOK_LOG_LEVEL", command.equals("demo") ? "ERROR" : "WARN");
    }
    System.exit(commandLine(CliContext.standard()).execute(args));
  }

  /** The whole command tree wired to {@code context}: the one entry point for main and for tests. */
  public static CommandLine commandLine(CliContext context) {
    CommandLine cl = new CommandLine(Runbook.class, new ContextFactory(context));
    cl.setExecutionExceptionHandler(Runbook::handleExecutionException);
    cl.setParameterExceptionHandler(Runbook::handleParameterException);
    documentExitCodes(cl);
    return cl;
  }

  /** Every command's --help ends with the same exit code table. */
  private static void documentExitCodes(CommandLine cl) {
    cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(ExitCode.HELP);
    cl.getSubcommands().values().forEach(Runbook::documentExitCodes);
  }

  private static int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parseResult) {
    PrintWriter err = cl.getErr();
    if (e instanceof CliException cli) {
      err.println("runbook: " + cli.getMessage());
      err.flush();
      return cli.exitCode();
    }
    if (e instanceof ParameterException pe) {
      return handleParameterException(pe, new String[0]);
    }
    err.println("runbook: unexpected error: " + e);
    if (System.getenv("RUNBOOK_DEBUG") != null) {
      e.printStackTrace(err);
    } else {
      err.println("(set RUNBOOK_DEBUG=1 for the stack trace)");
    }
    err.flush();
    return ExitCode.FAILED;
  }

  /** Bad usage: the problem and where to look, not the whole usage text. */
  private static int handleParameterException(ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println("runbook: " + e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
    err.flush();
    return ExitCode.USAGE;
  }

  /** Gives commands that take a {@link CliContext} in their constructor the context; the rest the default way. */
  private record ContextFactory(CliContext context) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      try {
        return cls.getDeclaredConstructor(CliContext.class).newInstance(context);
      } catch (NoSuchMethodException e) {
        return CommandLine.defaultFactory().create(cls);
      }
    }
  }
}
