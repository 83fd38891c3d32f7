package dev.runbook.activities;

import dev.runbook.workflows.activities.CancelEvacuationsRequest;
import dev.runbook.workflows.activities.MigrationRequest;
import dev.runbook.workflows.activities.MigrationResult;
import dev.runbook.workflows.activities.MigrationResult.Outcome;
import dev.runbook.workflows.activities.VirtualMachineActivities;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.temporal.activity.Activity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** KubeVirt live migrations, followed through the VMI's {@code status.migrationState}. */
public final class VirtualMachineActivitiesImpl implements VirtualMachineActivities {
  static final Duration POLL_INTERVAL = Duration.ofSeconds(1);

  private final KubernetesClient client;
  private final PodRemoval removal;

  public VirtualMachineActivitiesImpl(KubernetesClient client) {
    this.client = client;
    this.removal = new PodRemoval(client);
  }

  /**
   * Heartbeat details of awaitMigration: the failed migrations already counted, so a retried attempt neither counts
   * one twice nor returns MIGRATION_FAILED again for a failure it already reported; and the failure the VMI showed
   * when the wait began, which belongs to an earlier migration, not to this one.
   */
  public record MigrationProgress(
      String vmiPhase,
      String migrationName,
      String migrationPhase,
      List<String> failedMigrationUids,
      String failureBeforeWait) {}

  @Override
  public MigrationResult awaitMigration(MigrationRequest request) {
    var context = Activity.getExecutionContext();
    Set<String> failedUids = new LinkedHashSet<>();
    var resumed = context.getHeartbeatDetails(MigrationProgress.class);
    resumed.ifPresent(p -> failedUids.addAll(p.failedMigrationUids()));
    String failureBeforeWait = resumed.map(MigrationProgress::failureBeforeWait).orElse(null);
    boolean firstLook = resumed.isEmpty();
    String action = "follow the migration of VMI " + request.namespace() + "/" + request.vmiName();
    ChangeSignal<GenericKubernetesResource> vmiChanged = new ChangeSignal<>();
    Watch watch = null;
    try {
      watch = KubeVirt.vmis(client).inNamespace(request.namespace()).withName(request.vmiName()).watch(vmiChanged);
    } catch (KubernetesClientException e) {
      // polling alone still answers correctly
    }
    try {
      while (true) {
        GenericKubernetesResource vmi =
            ApiFailures.call(
                action,
                () -> KubeVirt.vmis(client).inNamespace(request.namespace()).withName(request.vmiName()).get());
        if (vmi == null || KubeVirt.finished(vmi)) {
          return new MigrationResult(
              Outcome.VMI_GONE,
              null,
              null,
              vmi == null ? "the VMI was deleted" : "the VMI stopped (phase " + KubeVirt.phase(vmi) + ")",
              failedUids.size());
        }
        Map<String, Object> state = vmi.get("status", "migrationState");
        String node = KubeVirt.nodeName(vmi);
        String migrationUid = state == null ? null : (String) state.get("migrationUid");
        if (firstLook) {
          firstLook = false;
          if (state != null && isTrue(state.get("failed"))) {
            failureBeforeWait = migrationUid; // an earlier migration's: ours has not had time to fail yet
          }
        }
        GenericKubernetesResource migration = ApiFailures.call(action, () -> latestMigration(request, migrationUid));
        String migrationName = migration != null ? migration.getMetadata().getName() : migrationUid;
        if (node != null && !node.equals(request.sourceNode())) {
          if (state != null && isTrue(state.get("completed")) && !isTrue(state.get("failed"))) {
            MigrationProgress done =
                new MigrationProgress(
                    KubeVirt.phase(vmi),
                    migrationName,
                    migration == null ? null : KubeVirt.phase(migration),
                    List.copyOf(failedUids),
                    failureBeforeWait);
            return new MigrationResult(
                Outcome.MIGRATED,
                node,
                migrationName,
                "live-migrated from " + request.sourceNode() + " to " + node,
                failedUids.size(),
                sourcePodGone(request, () -> context.heartbeat(done)));
          }
          if (state == null) {
            return new MigrationResult(
                Outcome.VMI_GONE,
                node,
                null,
                "the VMI runs on " + node + " without a migration: it was restarted, not migrated",
                failedUids.size());
          }
        }
        boolean newFailure =
            state != null
                && isTrue(state.get("failed"))
                && migrationUid != null
                && !migrationUid.equals(failureBeforeWait)
                && failedUids.add(migrationUid);
        if (newFailure) {
          if (request.returnOnFailure()) {
            Object reason = state.get("failureReason");
            return new MigrationResult(
                Outcome.MIGRATION_FAILED,
                null,
                migrationName,
                "live migration " + migrationName + " failed" + (reason == null ? "" : ": " + reason),
                failedUids.size());
          }
        }
        context.heartbeat(
            new MigrationProgress(
                KubeVirt.phase(vmi),
                migrationName,
                migration == null ? null : KubeVirt.phase(migration),
                List.copyOf(failedUids),
                failureBeforeWait));
        await(vmiChanged);
      }
    } finally {
      DrainActivitiesImpl.closeQuietly(watch);
    }
  }

  /**
   * After a migration the source launcher is left Completed on the node: the wait deletes it, so the workflow needs
   * no separate wait for it. Heartbeats the finished migration's progress, which a retry resumes from harmlessly.
   */
  private boolean sourcePodGone(MigrationRequest request, Runnable heartbeat) {
    if (request.sourcePod() == null || request.awaitSourceGoneSeconds() <= 0) {
      return false;
    }
    return removal.awaitGone(
        request.sourcePod(), request.sourceNode(), Duration.ofSeconds(request.awaitSourceGoneSeconds()), heartbeat);
  }

  /** The migration the VMI reports, else the newest migration of the VMI (one that has not reached the VMI yet). */
  private GenericKubernetesResource latestMigration(MigrationRequest request, String migrationUid) {
    List<GenericKubernetesResource> migrations =
        KubeVirt.migrations(client).inNamespace(request.namespace()).list().getItems().stream()
            .filter(m -> request.vmiName().equals(m.get("spec", "vmiName")))
            .toList();
    if (migrationUid != null) {
      for (GenericKubernetesResource m : migrations) {
        if (migrationUid.equals(m.getMetadata().getUid())) {
          return m;
        }
      }
    }
    return migrations.stream()
        .max(Comparator.comparing(m -> String.valueOf(m.getMetadata().getCreationTimestamp())))
        .orElse(null);
  }

  @Override
  public int cancelEvacuations(CancelEvacuationsRequest request) {
    String node = request.nodeName();
    return ApiFailures.call(
        "cancel the evacuations of node " + node,
        () -> {
          List<GenericKubernetesResource> vmis = KubeVirt.vmis(client).inAnyNamespace().list().getItems();
          Set<String> sourcedHere = new LinkedHashSet<>();
          List<GenericKubernetesResource> evacuating = new ArrayList<>();
          for (GenericKubernetesResource vmi : vmis) {
            String source = vmi.get("status", "migrationState", "sourceNode");
            boolean involved =
                node.equals(KubeVirt.nodeName(vmi))
                    || node.equals(source)
                    || node.equals(KubeVirt.evacuationNodeName(vmi));
            if (involved) {
              sourcedHere.add(vmi.getMetadata().getNamespace() + "/" + vmi.getMetadata().getName());
            }
            if (node.equals(KubeVirt.evacuationNodeName(vmi))) {
              evacuating.add(vmi);
            }
          }
          // Clear the marks first: KubeVirt's evacuation controller recreates migrations for a marked VMI.
          for (GenericKubernetesResource vmi : evacuating) {
            clearEvacuation(vmi);
          }
          int cancelled = 0;
          for (GenericKubernetesResource migration : KubeVirt.migrations(client).inAnyNamespace().list().getItems()) {
            String phase = KubeVirt.phase(migration);
            String vmiKey = migration.getMetadata().getNamespace() + "/" + migration.get("spec", "vmiName");
            if ("Succeeded".equals(phase) || "Failed".equals(phase) || !sourcedHere.contains(vmiKey)) {
              continue;
            }
            try {
              KubeVirt.migrations(client)
                  .inNamespace(migration.getMetadata().getNamespace())
                  .withName(migration.getMetadata().getName())
                  .delete();
              cancelled++;
            } catch (KubernetesClientException e) {
              if (!ApiFailures.isNotFound(e)) {
                throw e;
              }
            }
          }
          return cancelled;
        });
  }

  private void clearEvacuation(GenericKubernetesResource vmi) {
    try {
      KubeVirt.vmis(client)
          .inNamespace(vmi.getMetadata().getNamespace())
          .withName(vmi.getMetadata().getName())
          .subresource("status")
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"evacuationNodeName\":null}}");
    } catch (KubernetesClientException e) {
      if (!ApiFailures.isNotFound(e)) {
        throw e;
      }
    }
  }

  private static boolean isTrue(Object value) {
    return Boolean.TRUE.equals(value) || "true".equals(value);
  }

  private static void await(ChangeSignal<?> signal) {
    try {
      signal.await(POLL_INTERVAL);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting", e);
    }
  }
}
