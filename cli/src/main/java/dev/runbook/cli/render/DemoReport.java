package dev.runbook.cli.render;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.runbook.workflows.model.MaintenanceStatus;
import dev.runbook.workflows.model.PodProgress;
import dev.runbook.workflows.model.PodState;
import dev.runbook.workflows.model.Stage;
import dev.runbook.workflows.model.VmProgress;
import dev.runbook.workflows.model.VmState;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The end of {@code runbook demo}: what the maintenance did, told from both sides — the workflow's final status
 * and the simulated cluster's score ({@code GET /sim/report}, as recorded by the simulator's Scorekeeper).
 *
 * <p>Report sections read (each optional; a missing one only makes the summary vaguer):
 *
 * <pre>
 * evictions:  [{namespace, pod, uid, code, pdb, message}]             every answer of the eviction subresource
 * migrations: [{namespace, vmi, migration, phase, sourceNode, targetNode}]
 * vmFates:    [{namespace, vm, fate}]                                  e.g. "migrated to worker-2", "stayed off"
 * violations: [{invariant, detail}]                                    PDB overrun, VM lost, pod evicted twice
 * pods:       [{namespace, name, node, owner}]                         where pods run at the end (owner Kind/name)
 * </pre>
 */
public final class DemoReport {
  private final MaintenanceStatus status;
  private final JsonNode report;

  public DemoReport(MaintenanceStatus status, JsonNode simReport) {
    this.status = status;
    this.report = simReport == null ? MissingNode.getInstance() : simReport;
  }

  /** The demo went as it should: the maintenance completed and the cluster saw no invariant broken. */
  public boolean clean() {
    return status.stage() == Stage.COMPLETED && report.path("violations").size() == 0;
  }

  public String render() {
    StringBuilder out = new StringBuilder();
    out.append("What happened to node ").append(status.nodeName()).append(": maintenance ").append(status.stage());
    if (status.lastError() != null && !status.lastError().isBlank()) {
      out.append(" (").append(status.lastError()).append(')');
    }
    out.append("\n");
    List<PodProgress> pods = status.pods() == null ? List.of() : status.pods();
    List<VmProgress> vms = status.vms() == null ? List.of() : status.vms();

    TextTable moved = new TextTable("POD", "OWNER", "NOW");
    for (PodProgress p : pods) {
      if (p.state() == PodState.GONE && p.vm() == null) {
        moved.row(p.key(), p.owner() == null ? "(none)" : p.owner(), whereNow(p));
      }
    }
    section(out, "Pods moved (evicted; their controllers started them elsewhere)", moved);

    TextTable migrated = new TextTable("VM", "TO", "MIGRATION");
    TextTable shutDown = new TextTable("VM", "EVICTION STRATEGY", "RUN STRATEGY", "THEN");
    TextTable stuck = new TextTable("VM", "STATE", "DETAIL");
    for (VmProgress vm : vms) {
      VmState state = vm.state() == null ? VmState.PENDING : vm.state();
      switch (state) {
        case MIGRATED -> migrated.row(vm.key(), migrationTarget(vm), migrationPhase(vm));
        case SHUT_DOWN, FORCE_STOPPED ->
            shutDown.row(
                vm.key() + (state == VmState.FORCE_STOPPED ? " (force-stopped)" : ""),
                vm.evictionStrategy(),
                vm.runStrategy() == null ? "(bare VMI)" : vm.runStrategy(),
                afterShutdown(vm));
        default -> stuck.row(vm.key(), state.name(), vm.detail());
      }
    }
    section(out, "VMs live-migrated", migrated);
    section(out, "VMs shut down, then handled per run strategy", shutDown);

    TextTable stayed = new TextTable("POD", "OWNER", "WHY");
    for (PodProgress p : pods) {
      if (p.state() == PodState.SKIPPED) {
        stayed.row(p.key(), p.owner() == null ? "(none)" : p.owner(), p.owner() != null && p.owner().startsWith("DaemonSet/") ? "DaemonSet pod, ignored by the drain" : (p.detail() == null ? "skipped" : p.detail()));
      } else if (p.state() != PodState.GONE && p.vm() == null) {
        stayed.row(p.key(), p.owner() == null ? "(none)" : p.owner(), "still " + p.state() + (p.detail() == null ? "" : ": " + p.detail()));
      }
    }
    section(out, "Stayed on the node", stayed);
    section(out, "VMs that did not leave", stuck);

    out.append("\nThe simulated cluster\n");
    JsonNode evictions = report.path("evictions");
    if (evictions.isArray()) {
      int allowed = 0;
      int pdbRefused = 0;
      int evacuations = 0;
      int other = 0;
      for (JsonNode e : evictions) {
        int code = e.has("code") ? e.path("code").asInt() : e.path("httpCode").asInt();
        if (code >= 200 && code < 300) {
          allowed++;
        } else if (code == 429 && !e.path("pdb").asText("").isEmpty()) {
          pdbRefused++;
        } else if (code == 429) {
          // KubeVirt's eviction webhook answers 429 to a migratable VM's launcher pod while it evacuates the VM.
          evacuations++;
        } else {
          other++;
        }
      }
      out.append("  ").append(evictions.size()).append(" eviction requests answered: ").append(allowed).append(" allowed, ")
          .append(pdbRefused).append(" refused by PodDisruptionBudgets (429)");
      if (evacuations > 0) {
        out.append(", ").append(evacuations).append(" answered by KubeVirt starting an evacuation (429)");
      }
      if (other > 0) {
        out.append(", ").append(other).append(" other errors");
      }
      out.append('\n');
    }
    JsonNode violations = report.path("violations");
    if (violations.size() == 0) {
      out.append("  invariants: none broken (no PDB overrun, no VM lost, no pod evicted twice)\n");
    } else {
      out.append("  invariants BROKEN:\n");
      for (JsonNode v : violations) {
        out.append("    ").append(v.path("invariant").asText("?")).append(": ").append(v.path("detail").asText("")).append('\n');
      }
    }
    return out.toString();
  }

  /** Where the pod's workload runs now: the same name (StatefulSet) or its owner's other pods, off this node. */
  private String whereNow(PodProgress p) {
    JsonNode placed = report.path("pods");
    if (!placed.isArray()) {
      return "(placement not reported)";
    }
    Set<String> ownerNodes = new LinkedHashSet<>();
    for (JsonNode q : placed) {
      String node = q.path("node").asText(null);
      if (node == null || node.equals(status.nodeName()) || !p.namespace().equals(q.path("namespace").asText())) {
        continue;
      }
      if (p.name().equals(q.path("name").asText())) {
        // A StatefulSet recreates the pod under its own name: that one pod is the answer.
        return "recreated as " + p.name() + " on " + node;
      }
      if (p.owner() != null && p.owner().equals(q.path("owner").asText(null))) {
        ownerNodes.add(node);
      }
    }
    if (ownerNodes.isEmpty()) {
      return p.owner() == null ? "gone (no controller recreates it)" : "not running yet";
    }
    return "on " + String.join(", ", ownerNodes);
  }

  private String migrationTarget(VmProgress vm) {
    if (vm.targetNode() != null) {
      return vm.targetNode();
    }
    JsonNode m = lastMigration(vm);
    return m == null ? "another node" : m.path("targetNode").asText("another node");
  }

  private String migrationPhase(VmProgress vm) {
    JsonNode m = lastMigration(vm);
    String phase = m == null ? (vm.migrationPhase() == null ? "Succeeded" : vm.migrationPhase()) : m.path("phase").asText();
    return phase + (vm.failedMigrations() > 0 ? " after " + vm.failedMigrations() + " failed attempt(s)" : "");
  }

  private JsonNode lastMigration(VmProgress vm) {
    JsonNode found = null;
    for (JsonNode m : report.path("migrations")) {
      if (vm.namespace().equals(m.path("namespace").asText()) && vm.name().equals(m.path("vmi").asText())) {
        found = m;
      }
    }
    return found;
  }

  /** The cluster's word on the VM's fate when it has one; else what KubeVirt does for the run strategy. */
  private String afterShutdown(VmProgress vm) {
    List<String> fates = new ArrayList<>();
    for (JsonNode f : report.path("vmFates")) {
      if (vm.namespace().equals(f.path("namespace").asText()) && vm.name().equals(f.path("vm").asText())) {
        fates.add(f.path("fate").asText());
      }
    }
    if (!fates.isEmpty()) {
      return fates.get(fates.size() - 1);
    }
    return vm.restartExpected() ? "restarted elsewhere by KubeVirt" : "stays off until started by hand";
  }

  private static void section(StringBuilder out, String title, TextTable table) {
    if (table.isEmpty()) {
      return;
    }
    out.append('\n').append(title).append('\n');
    for (String line : table.render().split("\n")) {
      out.append("  ").append(line).append('\n');
    }
  }
}
