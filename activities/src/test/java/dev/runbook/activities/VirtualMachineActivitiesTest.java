package dev.runbook.activities;

import static dev.runbook.activities.Fixtures.ONE_ATTEMPT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.activities.KubeVirtFixtures.VmSpec;
import dev.runbook.workflows.activities.CancelEvacuationsRequest;
import dev.runbook.workflows.activities.MigrationRequest;
import dev.runbook.workflows.activities.MigrationResult;
import dev.runbook.workflows.activities.VirtualMachineActivities;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.temporal.testing.TestActivityEnvironment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("KubeVirt: following live migrations, cancelling evacuations")
class VirtualMachineActivitiesTest {
  private TestCluster cluster;
  private TestActivityEnvironment env;
  private VirtualMachineActivities vms;

  @BeforeEach
  void setUp() {
    cluster = new TestCluster();
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new VirtualMachineActivitiesImpl(cluster.client));
    vms = env.newActivityStub(VirtualMachineActivities.class, ONE_ATTEMPT);
  }

  @AfterEach
  void tearDown() {
    env.close();
    cluster.close();
  }

  private GenericKubernetesResource migration(String name, String vmi, String phase) {
    GenericKubernetesResource created =
        KubeVirt.migrations(cluster.client)
            .inNamespace("vms")
            .resource(
                new GenericKubernetesResourceBuilder()
                    .withApiVersion("kubevirt.io/v1")
                    .withKind("VirtualMachineInstanceMigration")
                    .withNewMetadata()
                    .withNamespace("vms")
                    .withName(name)
                    .endMetadata()
                    .withAdditionalProperties(new LinkedHashMap<>(Map.of("spec", Map.of("vmiName", vmi))))
                    .build())
            .create();
    KubeVirt.migrations(cluster.client)
        .inNamespace("vms")
        .withName(name)
        .subresource("status")
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"status\":{\"phase\":\"" + phase + "\"}}");
    return created;
  }

  private CompletableFuture<MigrationResult> awaitMigrationOf(String vmi, boolean returnOnFailure) throws InterruptedException {
    return awaitMigration(new MigrationRequest("vms", vmi, "worker-1", returnOnFailure));
  }

  private CompletableFuture<MigrationResult> awaitMigration(MigrationRequest request) throws InterruptedException {
    CountDownLatch following = new CountDownLatch(1);
    env.setActivityHeartbeatListener(VirtualMachineActivitiesImpl.MigrationProgress.class, p -> following.countDown());
    CompletableFuture<MigrationResult> result = CompletableFuture.supplyAsync(() -> vms.awaitMigration(request));
    assertTrue(following.await(60, TimeUnit.SECONDS), "the activity heartbeats while the VM is still on the source");
    return result;
  }

  @Test
  void returnsMigratedWhenTheVmiRunsOnTheTargetAfterACompletedMigration() throws Exception {
    KubeVirtFixtures.create(cluster.client, VmSpec.migratable("fedora", "worker-1", "LiveMigrate"));
    GenericKubernetesResource vmim = migration("fedora-evacuation-abc12", "fedora", "Running");
    CompletableFuture<MigrationResult> result = awaitMigrationOf("fedora", true);

    KubeVirtFixtures.patchVmiStatus(
        cluster.client,
        "vms",
        "fedora",
        Map.of(
            "nodeName", "worker-2",
            "migrationState",
                Map.of(
                    "sourceNode", "worker-1",
                    "targetNode", "worker-2",
                    "completed", true,
                    "migrationUid", vmim.getMetadata().getUid())));

    MigrationResult migrated = result.get(60, TimeUnit.SECONDS);
    assertEquals(MigrationResult.Outcome.MIGRATED, migrated.outcome());
    assertEquals("worker-2", migrated.targetNode());
    assertEquals("fedora-evacuation-abc12", migrated.migrationName());
  }

  /** What KubeVirt's controllers write when a migration has moved the guest to {@code target}. */
  private void migrated(String vmi, String target, GenericKubernetesResource vmim) {
    KubeVirtFixtures.patchVmiStatus(
        cluster.client,
        "vms",
        vmi,
        Map.of(
            "nodeName", target,
            "migrationState",
                Map.of(
                    "sourceNode", "worker-1",
                    "targetNode", target,
                    "completed", true,
                    "migrationUid", vmim.getMetadata().getUid())));
  }

  @Test
  void afterTheMigrationTheSourceLauncherKubeVirtLeftCompletedIsDeletedAndReportedGone() throws Exception {
    Pod launcher = KubeVirtFixtures.create(cluster.client, VmSpec.migratable("fedora", "worker-1", "LiveMigrate"));
    GenericKubernetesResource vmim = migration("fedora-evacuation-abc12", "fedora", "Running");
    CompletableFuture<MigrationResult> result =
        awaitMigration(new MigrationRequest("vms", "fedora", "worker-1", true, DrainActivitiesImpl.ref(launcher), 60));

    migrated("fedora", "worker-2", vmim);
    cluster.client.pods().inNamespace("vms").withName(launcher.getMetadata().getName()).editStatus(p -> {
      p.getStatus().setPhase("Succeeded");
      return p;
    });

    MigrationResult done = result.get(60, TimeUnit.SECONDS);
    assertEquals(MigrationResult.Outcome.MIGRATED, done.outcome());
    assertTrue(done.sourcePodGone());
    assertNull(cluster.client.pods().inNamespace("vms").withName(launcher.getMetadata().getName()).get());
  }

  @Test
  void aSourceLauncherStillRunningAtTheEndOfTheWaitIsReportedNotGoneAndLeftAlone() throws Exception {
    Pod launcher = KubeVirtFixtures.create(cluster.client, VmSpec.migratable("fedora", "worker-1", "LiveMigrate"));
    GenericKubernetesResource vmim = migration("fedora-evacuation-abc12", "fedora", "Running");
    CompletableFuture<MigrationResult> result =
        awaitMigration(new MigrationRequest("vms", "fedora", "worker-1", true, DrainActivitiesImpl.ref(launcher), 1));

    migrated("fedora", "worker-2", vmim);

    MigrationResult done = result.get(60, TimeUnit.SECONDS);
    assertEquals(MigrationResult.Outcome.MIGRATED, done.outcome());
    assertFalse(done.sourcePodGone());
    Pod still = cluster.client.pods().inNamespace("vms").withName(launcher.getMetadata().getName()).get();
    assertNull(still.getMetadata().getDeletionTimestamp(), "a running launcher is not ours to delete");
  }

  @Test
  void returnsMigrationFailedWhenTheMigrationFails() throws Exception {
    KubeVirtFixtures.create(cluster.client, VmSpec.migratable("fedora", "worker-1", "LiveMigrate"));
    GenericKubernetesResource vmim = migration("fedora-evacuation-abc12", "fedora", "Failed");
    CompletableFuture<MigrationResult> result = awaitMigrationOf("fedora", true);

    KubeVirtFixtures.patchVmiStatus(
        cluster.client,
        "vms",
        "fedora",
        Map.of(
            "migrationState",
            Map.of(
                "sourceNode", "worker-1",
                "targetNode", "worker-2",
                "completed", true,
                "failed", true,
                "migrationUid", vmim.getMetadata().getUid())));

    MigrationResult failed = result.get(60, TimeUnit.SECONDS);
    assertEquals(MigrationResult.Outcome.MIGRATION_FAILED, failed.outcome());
    assertEquals(1, failed.failedMigrations());
    assertEquals("fedora-evacuation-abc12", failed.migrationName());
  }

  @Test
  void aRetriedWaitDoesNotReportAFailureItAlreadyReportedAndKeepsItsCount() throws Exception {
    KubeVirtFixtures.create(cluster.client, VmSpec.migratable("fedora", "worker-1", "LiveMigrate"));
    GenericKubernetesResource failed = migration("fedora-evacuation-1", "fedora", "Failed");
    KubeVirtFixtures.patchVmiStatus(
        cluster.client,
        "vms",
        "fedora",
        Map.of(
            "migrationState",
            Map.of("sourceNode", "worker-1", "completed", true, "failed", true, "migrationUid", failed.getMetadata().getUid())));
    // What the previous attempt heartbeated before it was lost.
    env.setHeartbeatDetails(
        new VirtualMachineActivitiesImpl.MigrationProgress(
            "Running", "fedora-evacuation-1", "Failed", List.of(failed.getMetadata().getUid()), null));
    CompletableFuture<MigrationResult> result = awaitMigrationOf("fedora", true);

    GenericKubernetesResource retry = migration("fedora-evacuation-2", "fedora", "Succeeded");
    KubeVirtFixtures.patchVmiStatus(
        cluster.client,
        "vms",
        "fedora",
        Map.of(
            "nodeName", "worker-3",
            "migrationState",
                Map.of(
                    "sourceNode", "worker-1",
                    "targetNode", "worker-3",
                    "completed", true,
                    "failed", false,
                    "migrationUid", retry.getMetadata().getUid())));

    MigrationResult migrated = result.get(60, TimeUnit.SECONDS);
    assertEquals(MigrationResult.Outcome.MIGRATED, migrated.outcome());
    assertEquals("fedora-evacuation-2", migrated.migrationName());
    assertEquals(1, migrated.failedMigrations());
  }

  @Test
  void aFailureTheVmiShowedBeforeTheWaitBeganIsNotReportedAsThisMigrationsFailure() throws Exception {
    KubeVirtFixtures.create(cluster.client, VmSpec.migratable("fedora", "worker-1", "LiveMigrate"));
    GenericKubernetesResource earlier = migration("fedora-last-week", "fedora", "Failed");
    KubeVirtFixtures.patchVmiStatus(cluster.client, "vms", "fedora", failedState(earlier));
    CompletableFuture<MigrationResult> result = awaitMigrationOf("fedora", true);

    GenericKubernetesResource ours = migration("fedora-evacuation-1", "fedora", "Failed");
    KubeVirtFixtures.patchVmiStatus(cluster.client, "vms", "fedora", failedState(ours));

    MigrationResult failed = result.get(60, TimeUnit.SECONDS);
    assertEquals(MigrationResult.Outcome.MIGRATION_FAILED, failed.outcome());
    assertEquals("fedora-evacuation-1", failed.migrationName());
    assertEquals(1, failed.failedMigrations());
  }

  private static Map<String, Object> failedState(GenericKubernetesResource migration) {
    return Map.of(
        "migrationState",
        Map.of(
            "sourceNode", "worker-1",
            "completed", true,
            "failed", true,
            "migrationUid", migration.getMetadata().getUid()));
  }

  @Test
  void returnsVmiGoneWhenTheVmiIsDeletedInstead() throws Exception {
    KubeVirtFixtures.create(cluster.client, VmSpec.migratable("fedora", "worker-1", "LiveMigrate"));
    CompletableFuture<MigrationResult> result = awaitMigrationOf("fedora", true);

    KubeVirt.vmis(cluster.client).inNamespace("vms").withName("fedora").delete();

    assertEquals(MigrationResult.Outcome.VMI_GONE, result.get(60, TimeUnit.SECONDS).outcome());
  }

  @Test
  void cancelEvacuationsDeletesUnfinishedMigrationsFromTheNodeAndClearsTheMarks() {
    KubeVirtFixtures.create(cluster.client, VmSpec.migratable("leaving", "worker-1", "LiveMigrate"));
    KubeVirtFixtures.create(cluster.client, VmSpec.migratable("elsewhere", "worker-2", "LiveMigrate"));
    KubeVirtFixtures.patchVmiStatus(cluster.client, "vms", "leaving", Map.of("evacuationNodeName", "worker-1"));
    migration("leaving-evacuation-1", "leaving", "Running");
    migration("leaving-earlier", "leaving", "Succeeded");
    migration("elsewhere-move", "elsewhere", "Running");

    int cancelled = vms.cancelEvacuations(new CancelEvacuationsRequest("worker-1"));
    int again = vms.cancelEvacuations(new CancelEvacuationsRequest("worker-1"));

    assertEquals(1, cancelled);
    assertEquals(0, again);
    List<String> left = KubeVirtFixtures.names(KubeVirt.migrations(cluster.client).inNamespace("vms").list().getItems());
    assertEquals(List.of("elsewhere-move", "leaving-earlier"), left.stream().sorted().toList());
    GenericKubernetesResource vmi = KubeVirt.vmis(cluster.client).inNamespace("vms").withName("leaving").get();
    assertNull(KubeVirt.evacuationNodeName(vmi));
    assertNotNull(KubeVirt.nodeName(vmi));
  }
}
