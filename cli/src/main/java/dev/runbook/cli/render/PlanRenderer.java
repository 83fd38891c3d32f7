package dev.runbook.cli.render;

import dev.runbook.workflows.activities.DrainPlan;
import dev.runbook.workflows.activities.PlannedPod;
import dev.runbook.workflows.activities.PodAction;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code runbook node plan}: one row per pod (pod, owner, action, PDBs, reason) and a verdict. */
public final class PlanRenderer {
  private PlanRenderer() {}

  public static String render(DrainPlan plan) {
    TextTable table = new TextTable("POD", "OWNER", "ACTION", "PDBS", "REASON");
    for (PlannedPod p : plan.pods()) {
      table.row(
          p.ref().key(),
          p.owner() == null ? "(none)" : p.owner(),
          action(p.action()),
          p.pdbs() == null ? "" : String.join(",", p.pdbs()),
          p.reason());
    }
    StringBuilder out = new StringBuilder();
    out.append("drain plan for node ").append(plan.nodeName()).append(" (nothing was changed)\n\n");
    if (table.isEmpty()) {
      out.append("no pods on the node\n");
    } else {
      out.append(table.render());
    }
    out.append('\n').append(verdict(plan)).append('\n');
    return out.toString();
  }

  /** The one-line summary: how many pods get which treatment, or which pods make the plan fail. */
  public static String verdict(DrainPlan plan) {
    Map<PodAction, Long> counts =
        plan.pods().stream().collect(Collectors.groupingBy(PlannedPod::action, () -> new EnumMap<>(PodAction.class), Collectors.counting()));
    if (!plan.feasible()) {
      List<String> refused = plan.refused().stream().map(p -> p.ref().key()).toList();
      return "NOT feasible: a drain would be refused before touching the node because of " + refused
          + "; see REASON for the option that allows each";
    }
    StringBuilder out = new StringBuilder("feasible:");
    appendCount(out, counts, PodAction.EVICT, "evicted", "evicted");
    appendCount(out, counts, PodAction.MIGRATE_VM, "VM live-migrated", "VMs live-migrated");
    appendCount(out, counts, PodAction.EVICT_VM_SHUTDOWN, "VM shut down", "VMs shut down");
    appendCount(out, counts, PodAction.DELETE_FINISHED, "finished pod deleted", "finished pods deleted");
    appendCount(out, counts, PodAction.SKIP_DAEMONSET, "DaemonSet pod stays", "DaemonSet pods stay");
    appendCount(out, counts, PodAction.SKIP_MIRROR, "static pod stays", "static pods stay");
    long blocked = counts.getOrDefault(PodAction.VM_BLOCKED, 0L);
    if (out.toString().equals("feasible:")) {
      out.append(" nothing to move");
    } else {
      out.setLength(out.length() - 1);
    }
    if (blocked > 0) {
      out.append("; ").append(blocked).append(blocked == 1 ? " VM blocks" : " VMs block").append(" the drain until escalated (see REASON)");
    }
    return out.toString();
  }

  private static void appendCount(
      StringBuilder out, Map<PodAction, Long> counts, PodAction action, String one, String many) {
    long n = counts.getOrDefault(action, 0L);
    if (n > 0) {
      out.append(' ').append(n).append(' ').append(n == 1 ? one : many).append(',');
    }
  }

  private static String action(PodAction a) {
    return switch (a) {
      case SKIP_DAEMONSET -> "skip (DaemonSet)";
      case SKIP_MIRROR -> "skip (static pod)";
      case DELETE_FINISHED -> "delete (finished)";
      case EVICT -> "evict";
      case MIGRATE_VM -> "live-migrate VM";
      case EVICT_VM_SHUTDOWN -> "shut down VM";
      case VM_BLOCKED -> "BLOCKED (VM)";
      case REFUSE -> "REFUSED";
    };
  }
}
