package dev.runbook.cli.render;

import dev.runbook.cli.Durations;
import dev.runbook.workflows.model.Blocker;
import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.PodProgress;
import dev.runbook.workflows.model.PodState;
import dev.runbook.workflows.model.Stage;
import dev.runbook.workflows.model.VmProgress;
import dev.runbook.workflows.model.VmState;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;

/**
 * The text form of a {@link MaintenanceStatus} for {@code runbook node status}: where the maintenance is, how much
 * has moved, what each VM did, and — the point of it all — what blocks the drain, in plain words, with the command
 * that deals with it.
 */
public final class StatusRenderer {
  static final int BAR_WIDTH = 20;
  private static final Set<VmState> VM_OFF_NODE = Set.of(VmState.MIGRATED, VmState.SHUT_DOWN, VmState.FORCE_STOPPED);

  private final Instant now;

  /** @param now the time to measure ages ("blocked for 3m") and the deadline against */
  public StatusRenderer(Instant now) {
    this.now = now;
  }

  public String render(MaintenanceStatus s) {
    StringBuilder out = new StringBuilder();
    String node = s.nodeName() == null ? "?" : s.nodeName();
    out.append("node ").append(node).append(" maintenance");
    if (s.reason() != null && !s.reason().isBlank()) {
      out.append(": ").append(s.reason());
    }
    out.append('\n');
    line(out, "stage", stage(s));

    List<PodProgress> pods = s.pods() == null ? List.of() : s.pods();
    int podTotal;
    int podMoved;
    long skipped = pods.stream().filter(p -> p.state() == PodState.SKIPPED).count();
    if (!pods.isEmpty()) {
      podTotal = (int) pods.stream().filter(p -> p.state() != PodState.SKIPPED).count();
      podMoved = (int) pods.stream().filter(p -> p.state() == PodState.GONE).count();
    } else {
      podTotal = s.evictionPods();
      int pending = s.pendingPods() == null ? 0 : s.pendingPods().size();
      podMoved = Math.max(0, podTotal - pending);
    }
    String podLine = bar(podMoved, podTotal, BAR_WIDTH) + " " + fraction(podMoved, podTotal) + " moved";
    if (skipped > 0) {
      podLine += "  (" + skipped + " stay: DaemonSet / static pods)";
    }
    line(out, "pods", podLine);

    List<VmProgress> vms = s.vms() == null ? List.of() : s.vms();
    if (!vms.isEmpty()) {
      int off = (int) vms.stream().filter(v -> VM_OFF_NODE.contains(v.state())).count();
      line(out, "vms", bar(off, vms.size(), BAR_WIDTH) + " " + fraction(off, vms.size()) + " off the node");
      int width = vms.stream().mapToInt(v -> v.key().length()).max().orElse(0);
      for (VmProgress vm : vms) {
        out.append("    ").append(pad(vm.key(), width)).append("  ").append(vmLine(vm)).append('\n');
      }
    }

    List<Blocker> blockers = s.blockers() == null ? List.of() : s.blockers();
    if (!blockers.isEmpty()) {
      out.append("  blocked by\n");
      for (Blocker b : blockers) {
        out.append("    ").append(blockerLine(b)).append('\n');
      }
    }
    if (s.lastError() != null && !s.lastError().isBlank()) {
      line(out, "last error", s.lastError());
    }
    if (s.drainDeadline() != null) {
      line(out, "deadline", s.drainDeadline() + relative(s.drainDeadline()));
    }
    if (s.lastUpdate() != null) {
      line(out, "updated", s.lastUpdate());
    }
    String next = nextStep(s, node);
    if (next != null) {
      line(out, "next", next);
    }
    return out.toString();
  }

  private static String stage(MaintenanceStatus s) {
    String text = s.stage() == null ? "UNKNOWN" : s.stage().name();
    if (s.phase() != null) {
      text += "  (NMO phase " + s.phase() + ")";
    }
    return text;
  }

  /** One VM in words: where it went, or what KubeVirt does with it per its run strategy. */
  static String vmLine(VmProgress vm) {
    String runStrategy = vm.runStrategy() == null ? "none (bare VMI)" : vm.runStrategy();
    String failed = vm.failedMigrations() > 0 ? " (" + vm.failedMigrations() + " failed attempt" + (vm.failedMigrations() == 1 ? "" : "s") + ")" : "";
    VmState state = vm.state() == null ? VmState.PENDING : vm.state();
    return switch (state) {
      case PENDING -> "waiting to move (evictionStrategy " + vm.evictionStrategy() + (vm.liveMigratable() ? ", live-migratable)" : ", not live-migratable)");
      case MIGRATING ->
          "live-migrating"
              + (vm.targetNode() == null ? "" : " → " + vm.targetNode())
              + (vm.migrationPhase() == null ? "" : " (migration " + vm.migrationPhase() + ")")
              + failed;
      case MIGRATED -> "migrated → " + (vm.targetNode() == null ? "another node" : vm.targetNode()) + failed;
      case SHUT_DOWN -> "shut down (evictionStrategy " + vm.evictionStrategy() + "); " + afterShutdown(vm, runStrategy);
      case FORCE_STOPPED -> "force-stopped by escalation; " + afterShutdown(vm, runStrategy);
      case BLOCKED -> "blocked" + (vm.detail() == null ? "" : ": " + vm.detail()) + failed;
    };
  }

  private static String afterShutdown(VmProgress vm, String runStrategy) {
    if (vm.restartExpected()) {
      return "runStrategy " + runStrategy + ": KubeVirt restarts it on another node"
          + (vm.targetNode() == null ? "" : " (restarted on " + vm.targetNode() + ")");
    }
    return "runStrategy " + runStrategy + ": stays off until someone starts it";
  }

  /** A blocker as a sentence: the pod, what holds it, and what the drain is waiting for. */
  String blockerLine(Blocker b) {
    String vm = b.vm() == null ? "its VM" : "VM " + b.vm();
    String message = b.message() == null || b.message().isBlank() ? null : b.message();
    String text =
        switch (b.kind() == null ? dev.runbook.workflows.model.BlockerKind.EVICTION_ERROR : b.kind()) {
          case POD_DISRUPTION_BUDGET ->
              "PodDisruptionBudget "
                  + (b.pdb() == null ? "" : b.pdb() + " ")
                  + "allows "
                  + (b.disruptionsAllowed() == null ? "no" : b.disruptionsAllowed())
                  + " disruption"
                  + (b.disruptionsAllowed() != null && b.disruptionsAllowed() == 1 ? "" : "s")
                  + "; waiting for it to allow one";
          case MULTIPLE_PDBS ->
              "selected by more than one PodDisruptionBudget"
                  + (message == null ? "" : " (" + message + ")")
                  + "; the API server refuses to evict it until only one selects it";
          // The workflow's message already says which VM and KubeVirt's reason; only say what ends the wait.
          case VM_NOT_MIGRATABLE ->
              (message == null
                      ? vm + " cannot live-migrate and its evictionStrategy LiveMigrate does not allow shutting it down"
                      : message)
                  + "; it stays until escalated (the VM then stops)";
          case MIGRATION_FAILED ->
              "live migration of " + vm + " failed" + (message == null ? "" : " (" + message + ")") + "; KubeVirt retries it";
          case VM_EXTERNAL_EVACUATION ->
              vm + " has evictionStrategy External; waiting for an external controller to move it";
          case EVICTION_ERROR -> "eviction failed" + (message == null ? "" : ": " + message) + "; retrying";
        };
    String age = "";
    if (b.since() > 0) {
      Duration d = Duration.between(Instant.ofEpochMilli(b.since()), now);
      if (!d.isNegative() && d.toSeconds() > 0) {
        age = " (for " + Durations.format(d) + ")";
      }
    }
    return b.pod() + ": " + text + age;
  }

  private static String nextStep(MaintenanceStatus s, String node) {
    Stage stage = s.stage();
    if (stage == Stage.DRAIN_BLOCKED || (s.awaitingOperator() && stage == Stage.DRAINING)) {
      return "the drain is past its deadline and waits for you: `runbook node escalate "
          + node
          + "` deletes the blocking pods despite their PDBs, `runbook node extend "
          + node
          + " --by 10m` gives it more time, `runbook node resume "
          + node
          + "` aborts and restores the node";
    }
    if (stage == Stage.AWAITING_RESUME) {
      return "the node is drained and stays cordoned; when the work is done: `runbook node resume " + node + "`";
    }
    if (stage == Stage.COMPLETED && Boolean.TRUE.equals(s.wasUnschedulable())) {
      return "the node stays cordoned: it was already unschedulable before this maintenance";
    }
    return null;
  }

  private String relative(String rfc3339) {
    try {
      Duration d = Duration.between(now, Instant.parse(rfc3339));
      return d.isNegative() ? " (passed " + Durations.format(d.negated()) + " ago)" : " (in " + Durations.format(d) + ")";
    } catch (DateTimeParseException e) {
      return "";
    }
  }

  /** {@code [########------------]}: {@code done} of {@code total} as filled cells. */
  public static String bar(int done, int total, int width) {
    int filled = total <= 0 ? 0 : (int) Math.round((double) Math.min(done, total) * width / total);
    return "[" + "#".repeat(filled) + "-".repeat(width - filled) + "]";
  }

  private static String fraction(int done, int total) {
    String t = String.valueOf(total);
    return pad(String.valueOf(done), t.length(), true) + "/" + t;
  }

  private static void line(StringBuilder out, String label, String value) {
    out.append("  ").append(pad(label, 11)).append(' ').append(value).append('\n');
  }

  static String pad(String s, int width) {
    return pad(s, width, false);
  }

  private static String pad(String s, int width, boolean left) {
    if (s.length() >= width) {
      return s;
    }
    String spaces = " ".repeat(width - s.length());
    return left ? spaces + s : s + spaces;
  }
}
