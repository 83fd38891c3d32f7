package dev.runbook.cli.node;

import dev.runbook.cli.CliContext;
import dev.runbook.cli.Json;
import dev.runbook.cli.OutputFormat;
import dev.runbook.cli.StatusWatch;
import dev.runbook.cli.render.StatusRenderer;
import dev.runbook.workflows.model.MaintenanceStatus;
import java.io.PrintWriter;

/**
 * Shows a watched status: on a terminal, the text redrawn in place every poll (ages and deadlines move even when
 * nothing else does); into a pipe or file, each changed status appended once, as text or as one JSON line.
 */
final class WatchPrinter implements StatusWatch.PollListener {
  private static final String CLEAR_SCREEN = "\033[H\033[2J";

  private final PrintWriter out;
  private final CliContext context;
  private final OutputFormat format;

  WatchPrinter(PrintWriter out, CliContext context, OutputFormat format) {
    this.out = out;
    this.context = context;
    this.format = format;
  }

  @Override
  public void polled(MaintenanceStatus status, boolean changed) {
    if (format == OutputFormat.json) {
      if (changed) {
        out.println(Json.compact(status));
      }
    } else if (context.interactive()) {
      out.print(CLEAR_SCREEN);
      out.print(new StatusRenderer(context.clock().get()).render(status));
    } else if (changed) {
      out.println(new StatusRenderer(context.clock().get()).render(status));
    }
    out.flush();
  }

  @Override
  public void troubled(String message) {
    if (format == OutputFormat.text) {
      out.println("(no status right now: " + message + "; still watching)");
      out.flush();
    }
  }
}
