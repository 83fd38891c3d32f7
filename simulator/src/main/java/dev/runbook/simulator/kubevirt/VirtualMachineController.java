package dev.runbook.simulator.kubevirt;

import dev.runbook.simulator.SimAnnotations;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * virt-controller's VM controller: keeps a VirtualMachine's VMI in line with its run strategy, and reports the
 * VM's status (printableStatus, ready, created).
 *
 * <ul>
 *   <li>{@code Always}: a missing VMI is created from spec.template; a finished one (Succeeded or Failed) is
 *       deleted so that the next pass starts a new one under the same name.
 *   <li>{@code RerunOnFailure}: as Always, but only a Failed VMI is replaced; a Succeeded one (the guest shut
 *       itself down) stays. A VMI whose launcher pod was evicted or deleted ends Failed (KubeVirt's VMI controller
 *       fails a running VMI whose pod disappeared), so it is restarted.
 *   <li>{@code Manual}: never started or restarted by the controller; a finished VMI is left as it is.
 *   <li>{@code Halted}: any VMI is deleted.
 *   <li>{@code Once}: started once; when it finishes the VM's runStrategy becomes Halted, as KubeVirt does.
 *   <li>legacy {@code spec.running}: true is Always, false is Halted.
 * </ul>
 *
 * <p>Score: "restarted on NODE" when a replacement VMI runs, "stayed off" when the strategy keeps a stopped VM
 * off, and a {@code vm-lost} violation when a VM that should run has no running VMI {@link #LOST_AFTER} after it
 * stopped.
 */
public final class VirtualMachineController extends LevelTriggeredController {
  /**
   * Simulated time after which a VM that should run (Always / RerunOnFailure) but still has no running VMI counts
   * as lost: long enough for a restart on another node (scheduling plus startup), short enough to notice a drain
   * that left the VM nowhere to go.
   */
  public static final Duration LOST_AFTER = Duration.ofMinutes(5);

  /** VM key → the uid of the VMI whose end made us restart it; cleared when the replacement runs. */
  private final Map<String, String> awaitingRestart = new ConcurrentHashMap<>();
  /** VMI uids whose "stayed off" fate has been recorded. */
  private final Set<String> reportedOff = ConcurrentHashMap.newKeySet();

  @Override
  public String name() {
    return "kubevirt-vm";
  }

  @Override
  protected void watch() {
    watchShared("kubevirt.io/v1/virtualmachines", c -> KubeVirt.vms(c).inAnyNamespace());
    watchShared("kubevirt.io/v1/virtualmachineinstances", c -> KubeVirt.vmis(c).inAnyNamespace());
  }

  @Override
  protected void reconcile() {
    for (GenericKubernetesResource item : KubeVirt.vms(client).inAnyNamespace().list().getItems()) {
      Vm vm = new Vm(item);
      try {
        reconcile(vm);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404 && e.getCode() != 409) {
          throw e;
        }
        trigger();
      }
    }
  }

  private void reconcile(Vm vm) {
    Resource<GenericKubernetesResource> vmiResource =
        KubeVirt.vmis(client).inNamespace(vm.namespace()).withName(vm.name());
    GenericKubernetesResource found = vmiResource.get();
    Vmi vmi = found == null ? null : new Vmi(found);
    if (vm.deleting()) {
      if (vmi != null && !vmi.deleting()) {
        KubeVirt.deleteQuietly(vmiResource);
      }
      return;
    }
    if (vmi != null && !ownedBy(vmi, vm) && !adopt(vmi, vm, vmiResource)) {
      return;
    }

    String strategy = vm.runStrategy();
    if (vmi != null && !vmi.deleting()) {
      boolean failed = KubeVirt.FAILED.equals(vmi.phase());
      switch (strategy) {
        case KubeVirt.ALWAYS -> {
          if (vmi.isFinal()) {
            restart(vm, vmi, vmiResource);
            vmi = null;
          }
        }
        case KubeVirt.RERUN_ON_FAILURE -> {
          if (failed) {
            restart(vm, vmi, vmiResource);
            vmi = null;
          } else if (vmi.isFinal()) {
            stayedOff(vm, vmi);
          }
        }
        case KubeVirt.HALTED -> {
          KubeVirt.deleteQuietly(vmiResource);
          if (vmi.isFinal()) {
            stayedOff(vm, vmi);
          }
          vmi = null;
        }
        case KubeVirt.ONCE -> {
          if (vmi.isFinal()) {
            KubeVirt.patch(
                KubeVirt.vms(client).inNamespace(vm.namespace()).withName(vm.name()),
                Map.of("spec", Map.of("runStrategy", KubeVirt.HALTED)));
            stayedOff(vm, vmi);
          }
        }
        default -> {
          // Manual (and anything unknown): the controller neither starts nor stops.
          if (vmi.isFinal()) {
            stayedOff(vm, vmi);
          }
        }
      }
    } else if (vmi == null
        && (KubeVirt.ALWAYS.equals(strategy)
            || KubeVirt.RERUN_ON_FAILURE.equals(strategy)
            || KubeVirt.ONCE.equals(strategy))) {
      vmi = new Vmi(KubeVirt.vmis(client).inNamespace(vm.namespace()).resource(newVmi(vm)).create());
    }

    if (vmi != null && vmi.isRunning() && vmi.nodeName() != null) {
      String key = key(vm);
      String ended = awaitingRestart.get(key);
      if (ended != null && !ended.equals(vmi.uid()) && awaitingRestart.remove(key, ended)) {
        context.score().vmFate(vm.namespace(), vm.name(), "restarted on " + vmi.nodeName());
      }
    }
    updateStatus(vm, vmi, strategy);
  }

  /** Stop the finished VMI so the next pass starts a fresh one, and watch that it really comes back. */
  private void restart(Vm vm, Vmi vmi, Resource<GenericKubernetesResource> vmiResource) {
    String key = key(vm);
    awaitingRestart.put(key, vmi.uid());
    KubeVirt.deleteQuietly(vmiResource);
    String endedUid = vmi.uid();
    String where = vmi.nodeName() == null ? "" : " after it stopped on " + vmi.nodeName();
    context
        .clock()
        .after(
            LOST_AFTER,
            () -> {
              if (awaitingRestart.remove(key, endedUid)) {
                context
                    .score()
                    .violation(
                        "vm-lost",
                        key + " (runStrategy " + vm.runStrategy() + ") has no running VMI " + LOST_AFTER.toMinutes()
                            + " simulated minutes" + where);
              }
            });
    trigger();
  }

  private void stayedOff(Vm vm, Vmi vmi) {
    if (reportedOff.add(vmi.uid())) {
      context.score().vmFate(vm.namespace(), vm.name(), "stayed off (runStrategy " + vm.runStrategy() + ")");
    }
  }

  private static boolean ownedBy(Vmi vmi, Vm vm) {
    return vmi.controllerOwner().map(o -> Objects.equals(o.getUid(), vm.uid())).orElse(false);
  }

  /** A VMI a scenario placed next to its VM is adopted when no other controller owns it. */
  private boolean adopt(Vmi vmi, Vm vm, Resource<GenericKubernetesResource> vmiResource) {
    if (vmi.controllerOwner().isPresent()) {
      return false;
    }
    return KubeVirt.patch(
        vmiResource, Map.of("metadata", Map.of("ownerReferences", List.of(ownerReference(vm)))));
  }

  private static OwnerReference ownerReference(Vm vm) {
    return new OwnerReferenceBuilder()
        .withApiVersion(KubeVirt.API_VERSION)
        .withKind("VirtualMachine")
        .withName(vm.name())
        .withUid(vm.uid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  @SuppressWarnings("unchecked")
  private static GenericKubernetesResource newVmi(Vm vm) {
    Map<String, Object> template = Serialization.clone(vm.template());
    Map<String, Object> templateMeta =
        template.get("metadata") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    Map<String, String> labels = new LinkedHashMap<>();
    if (templateMeta.get("labels") instanceof Map<?, ?> l) {
      l.forEach((k, v) -> labels.put(String.valueOf(k), String.valueOf(v)));
    }
    labels.put(KubeVirt.VM_NAME_LABEL, vm.name());
    Map<String, String> annotations = new LinkedHashMap<>();
    // Simulation settings written on the VM itself apply to its instances unless the template says otherwise.
    vm.annotations().forEach((k, v) -> {
      if (k.startsWith(SimAnnotations.PREFIX)) {
        annotations.put(k, v);
      }
    });
    if (templateMeta.get("annotations") instanceof Map<?, ?> a) {
      a.forEach((k, v) -> annotations.put(String.valueOf(k), String.valueOf(v)));
    }
    Object spec = template.getOrDefault("spec", Map.of());
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(KubeVirt.API_VERSION)
        .withKind("VirtualMachineInstance")
        .withNewMetadata()
        .withName(vm.name())
        .withNamespace(vm.namespace())
        .withLabels(labels)
        .withAnnotations(annotations)
        .withOwnerReferences(ownerReference(vm))
        .endMetadata()
        .withAdditionalProperties(Map.of("spec", spec))
        .build();
  }

  private void updateStatus(Vm vm, Vmi vmi, String strategy) {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("printableStatus", printableStatus(vmi));
    status.put("created", vmi != null);
    status.put(
        "ready",
        vmi != null
            && vmi.isRunning()
            && vmi.condition("Ready") != null
            && "True".equals(String.valueOf(vmi.condition("Ready").get("status"))));
    status.put("runStrategy", strategy);
    Map<String, Object> current = vm.map("status");
    if (current != null
        && status.entrySet().stream().allMatch(e -> Objects.equals(String.valueOf(current.get(e.getKey())),
            String.valueOf(e.getValue())))) {
      return;
    }
    KubeVirt.patchStatus(KubeVirt.vms(client).inNamespace(vm.namespace()).withName(vm.name()), vm.resource, status);
  }

  private static String printableStatus(Vmi vmi) {
    if (vmi == null) {
      return "Stopped";
    }
    if (vmi.deleting()) {
      return "Stopping";
    }
    return switch (vmi.phase()) {
      case KubeVirt.RUNNING -> vmi.migrating() ? "Migrating" : "Running";
      case KubeVirt.SUCCEEDED, KubeVirt.FAILED -> "Stopped";
      default -> "Starting";
    };
  }

  private static String key(Vm vm) {
    return vm.namespace() + "/" + vm.name();
  }
}
