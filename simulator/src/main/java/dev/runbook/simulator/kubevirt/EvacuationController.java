package dev.runbook.simulator.kubevirt;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * virt-controller's evacuation controller: every VMI the eviction webhook marked (status.evacuationNodeName) and
 * that still runs on that node gets a VirtualMachineInstanceMigration named {@code kubevirt-evacuation-*}, unless
 * it already has an unfinished one. It creates no more than parallelMigrationsPerCluster unfinished migrations in
 * all, nor more than parallelOutboundMigrationsPerNode off one node; the rest wait for a slot. VMIs with the
 * External strategy are marked but never migrated by KubeVirt (someone else acts on the mark).
 *
 * <p>After a failed evacuation migration the VMI is retried with a new one after a backoff of {@link
 * #RETRY_BACKOFF} simulated time, doubling with each consecutive failure up to {@link #MAX_RETRY_BACKOFF}
 * (KubeVirt backs off too, with longer times; the simulation keeps it short).
 */
public final class EvacuationController extends LevelTriggeredController {
  public static final Duration RETRY_BACKOFF = Duration.ofSeconds(10);
  public static final Duration MAX_RETRY_BACKOFF = Duration.ofMinutes(2);

  private record Backoff(int failures, long failedAtNanos) {}

  /** VMI uid → consecutive evacuation failures. */
  private final Map<String, Backoff> backoffs = new ConcurrentHashMap<>();
  /** Failed migrations already counted into {@link #backoffs}. */
  private final Set<String> countedFailures = ConcurrentHashMap.newKeySet();

  @Override
  public String name() {
    return "kubevirt-evacuation";
  }

  @Override
  protected void watch() {
    watchShared("kubevirt.io/v1/virtualmachineinstances", c -> KubeVirt.vmis(c).inAnyNamespace());
    watchShared("kubevirt.io/v1/virtualmachineinstancemigrations", c -> KubeVirt.migrations(c).inAnyNamespace());
  }

  @Override
  protected void reconcile() {
    List<Vmi> vmis = KubeVirt.vmis(client).inAnyNamespace().list().getItems().stream().map(Vmi::new).toList();
    List<Vmim> migrations =
        KubeVirt.migrations(client).inAnyNamespace().list().getItems().stream().map(Vmim::new).toList();
    Map<String, Vmi> vmiByKey = new HashMap<>();
    vmis.forEach(v -> vmiByKey.put(v.namespace() + "/" + v.name(), v));

    Set<String> migrating = new HashSet<>();
    Map<String, Integer> outbound = new HashMap<>();
    int unfinished = 0;
    for (Vmim m : migrations) {
      String key = m.namespace() + "/" + m.vmiName();
      Vmi vmi = vmiByKey.get(key);
      if (!m.isFinal() && !m.deleting()) {
        unfinished++;
        migrating.add(key);
        String source = m.sourceNode() != null ? m.sourceNode() : vmi == null ? null : vmi.nodeName();
        if (source != null) {
          outbound.merge(source, 1, Integer::sum);
        }
      }
      countFailure(m, vmi);
    }

    int clusterLimit = context.settings().parallelMigrationsPerCluster();
    int nodeLimit = context.settings().parallelOutboundMigrationsPerNode();
    List<Vmi> candidates =
        vmis.stream()
            .filter(v -> wantsEvacuation(v) && !migrating.contains(v.namespace() + "/" + v.name()))
            .sorted(Comparator.comparing(Vmi::namespace).thenComparing(Vmi::name))
            .toList();
    for (Vmi vmi : candidates) {
      if (unfinished >= clusterLimit) {
        return;
      }
      String node = vmi.nodeName();
      if (outbound.getOrDefault(node, 0) >= nodeLimit || backingOff(vmi)) {
        continue;
      }
      KubeVirt.migrations(client).inNamespace(vmi.namespace()).resource(newMigration(vmi)).create();
      unfinished++;
      outbound.merge(node, 1, Integer::sum);
    }
  }

  /** Marked, still on the node it was marked on, alive, migratable, and evacuated by KubeVirt itself. */
  private boolean wantsEvacuation(Vmi vmi) {
    String strategy = vmi.evictionStrategy(context.settings());
    return vmi.markedForEviction()
        && vmi.evacuationNodeName().equals(vmi.nodeName())
        && vmi.isRunning()
        && !vmi.deleting()
        && (KubeVirt.LIVE_MIGRATE.equals(strategy) || KubeVirt.LIVE_MIGRATE_IF_POSSIBLE.equals(strategy))
        && vmi.migratable()
        // Source and target pods of a previous migration must be gone first (KubeVirt's activePods check).
        && vmi.activePods().size() <= 1;
  }

  private void countFailure(Vmim m, Vmi vmi) {
    if (vmi == null || !m.evacuation()) {
      return;
    }
    if (KubeVirt.SUCCEEDED.equals(m.phase())) {
      backoffs.remove(vmi.uid());
    } else if (KubeVirt.FAILED.equals(m.phase()) && countedFailures.add(m.uid())) {
      backoffs.merge(
          vmi.uid(), new Backoff(1, System.nanoTime()), (a, b) -> new Backoff(a.failures() + 1, b.failedAtNanos()));
    }
  }

  private boolean backingOff(Vmi vmi) {
    Backoff backoff = backoffs.get(vmi.uid());
    if (backoff == null) {
      return false;
    }
    Duration wait = RETRY_BACKOFF.multipliedBy(1L << Math.min(backoff.failures() - 1, 16));
    if (wait.compareTo(MAX_RETRY_BACKOFF) > 0) {
      wait = MAX_RETRY_BACKOFF;
    }
    long elapsed = System.nanoTime() - backoff.failedAtNanos();
    long remaining = context.clock().toReal(wait).toNanos() - elapsed;
    if (remaining <= 0) {
      return false;
    }
    // Back to simulated time for the clock.
    triggerAfter(Duration.ofNanos((long) (remaining * context.clock().speed())));
    return true;
  }

  private static GenericKubernetesResource newMigration(Vmi vmi) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(KubeVirt.API_VERSION)
        .withKind("VirtualMachineInstanceMigration")
        .withNewMetadata()
        .withGenerateName(KubeVirt.EVACUATION_GENERATE_NAME)
        .withNamespace(vmi.namespace())
        .withLabels(Map.of(KubeVirt.MIGRATION_SELECTOR_LABEL, vmi.name()))
        .withAnnotations(Map.of(KubeVirt.EVACUATION_MIGRATION_ANNOTATION, vmi.nodeName()))
        .endMetadata()
        .withAdditionalProperties(Map.of("spec", Map.of("vmiInstanceName", vmi.name())))
        .build();
  }
}
