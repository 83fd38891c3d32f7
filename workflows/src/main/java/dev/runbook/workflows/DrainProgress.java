package dev.runbook.workflows;

import dev.runbook.workflows.activities.PlannedPod;
import dev.runbook.workflows.activities.PlannedVm;
import dev.runbook.workflows.activities.PodAction;
import dev.runbook.workflows.model.Blocker;
import dev.runbook.workflows.model.PodProgress;
import dev.runbook.workflows.model.PodRef;
import dev.runbook.workflows.model.PodState;
import dev.runbook.workflows.model.VmProgress;
import dev.runbook.workflows.model.VmState;
import io.temporal.workflow.CancellationScope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every pod and VM the drain has seen, across passes. Workflow state: mutated only by workflow code and signal
 * handlers, read by the status query.
 *
 * <p>Pods are keyed by namespace/name and UID: a StatefulSet pod recreated under the same name is a new pod.
 */
final class DrainProgress {
  static final class Pod {
    final PodRef ref;
    PlannedPod plan;
    PodState state;
    String detail;
    Blocker blocker;
    boolean escalated;
    String escalateReason;
    /** The cancellable wait (blocked eviction, migration) an escalation interrupts; null when not waiting. */
    CancellationScope waitScope;
    /**
     * The dispatcher acquired an eviction slot for this pod before starting its handler; the handler's first call
     * that needs a slot takes it over instead of acquiring another.
     */
    boolean holdsEvictionSlot;

    Pod(PlannedPod plan) {
      this.ref = plan.ref();
      this.plan = plan;
      this.state = PodState.PENDING;
      this.detail = plan.reason();
    }

    PodAction action() {
      return plan.action();
    }

    boolean skipped() {
      return action() == PodAction.SKIP_DAEMONSET || action() == PodAction.SKIP_MIRROR;
    }

    String vmKey() {
      return plan.vm() == null ? null : plan.vm().key();
    }

    PodProgress progress() {
      return new PodProgress(
          ref.namespace(), ref.name(), ref.uid(), plan.owner(), action().name(), state, vmKey(), detail);
    }
  }

  static final class Vm {
    final PlannedVm plan;
    VmState state = VmState.PENDING;
    String targetNode;
    String migrationPhase;
    int failedMigrations;
    String detail;

    Vm(PlannedVm plan) {
      this.plan = plan;
    }

    VmProgress progress() {
      return new VmProgress(
          plan.namespace(),
          plan.vmiName(),
          plan.evictionStrategy(),
          plan.runStrategy(),
          plan.liveMigratable(),
          plan.restartExpected(),
          state,
          targetNode,
          migrationPhase,
          failedMigrations,
          detail);
    }
  }

  private final Map<String, Pod> pods = new LinkedHashMap<>();
  private final Map<String, Vm> vms = new LinkedHashMap<>();
  private int totalPods = -1;

  private static String key(PodRef ref) {
    return ref.key() + "/" + ref.uid();
  }

  /**
   * Takes in a fresh plan and returns the pods this pass must act on: new ones, and known ones listed again
   * although we thought them gone (the caller slows down for those, see {@code relisted}).
   */
  List<Pod> absorb(List<PlannedPod> plan, List<Pod> relisted) {
    if (totalPods < 0) {
      totalPods = plan.size();
    }
    List<Pod> todo = new ArrayList<>();
    for (PlannedPod planned : plan) {
      Pod pod = pods.get(key(planned.ref()));
      if (pod == null) {
        pod = new Pod(planned);
        pods.put(key(planned.ref()), pod);
        if (planned.vm() != null) {
          vms.computeIfAbsent(planned.vm().key(), k -> new Vm(planned.vm()));
        }
        if (pod.skipped()) {
          pod.state = PodState.SKIPPED;
        } else {
          todo.add(pod);
        }
      } else if (pod.state == PodState.GONE && !pod.skipped()) {
        pod.plan = planned;
        pod.state = PodState.PENDING;
        pod.detail = "listed on the node again after it was reported gone";
        relisted.add(pod);
        todo.add(pod);
      }
    }
    return todo;
  }

  Vm vm(Pod pod) {
    return pod.vmKey() == null ? null : vms.get(pod.vmKey());
  }

  Pod find(String namespacedName) {
    Pod found = null;
    for (Pod pod : pods.values()) {
      if (pod.ref.key().equals(namespacedName) && pod.state != PodState.GONE && !pod.skipped()) {
        found = pod;
      }
    }
    return found;
  }

  List<Pod> blocked() {
    return pods.values().stream().filter(p -> p.blocker != null && p.state != PodState.GONE).toList();
  }

  List<Pod> inState(PodState state) {
    return pods.values().stream().filter(p -> p.state == state).toList();
  }

  List<Pod> pending() {
    return pods.values().stream().filter(p -> !p.skipped() && p.state != PodState.GONE).toList();
  }

  int totalPods() {
    return Math.max(totalPods, 0);
  }

  int evictionPods() {
    return (int) pods.values().stream().filter(p -> !p.skipped()).count();
  }

  int gone() {
    return inState(PodState.GONE).size();
  }

  int drainProgress() {
    int toEvict = evictionPods();
    return toEvict == 0 ? 100 : gone() * 100 / toEvict;
  }

  List<PodProgress> podProgress() {
    return pods.values().stream().map(Pod::progress).toList();
  }

  List<VmProgress> vmProgress() {
    return vms.values().stream().map(Vm::progress).toList();
  }

  List<Blocker> blockers() {
    return blocked().stream().map(p -> p.blocker).toList();
  }
}
