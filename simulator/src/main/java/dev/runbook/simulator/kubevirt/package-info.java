/**
 * KubeVirt in the simulated cluster: the controllers and the eviction webhook that decide what a drain does to
 * virtual machines. They follow KubeVirt's own code (virt-controller's VM, VMI, evacuation and migration
 * controllers; virt-api's pod-eviction admitter) and act only through the Kubernetes API on kubevirt.io/v1
 * objects handled as {@code GenericKubernetesResource}, so they would run against a real API server.
 *
 * <p>Registered through {@code META-INF/services}: {@link dev.runbook.simulator.kubevirt.VirtualMachineController},
 * {@link dev.runbook.simulator.kubevirt.VirtualMachineInstanceController},
 * {@link dev.runbook.simulator.kubevirt.EvacuationController},
 * {@link dev.runbook.simulator.kubevirt.MigrationController} (SimController) and
 * {@link dev.runbook.simulator.kubevirt.PodEvictionAdmitter} (EvictionAdmitter).
 *
 * <h2>What a scenario can set</h2>
 *
 * <ul>
 *   <li>VM {@code spec.runStrategy} (Always, RerunOnFailure, Manual, Halted, Once) or legacy {@code spec.running}.
 *   <li>VMI / VM template {@code spec.evictionStrategy} (LiveMigrate, LiveMigrateIfPossible, External, None); when
 *       unset, {@code SimSettings.defaultEvictionStrategy()} applies, like KubeVirt's cluster-wide setting.
 *   <li>Volumes: {@code persistentVolumeClaim.claimName} or {@code dataVolume.name} (its PVC has the same name).
 *       Every such PVC must be ReadWriteMany for the VMI to be LiveMigratable; a missing PVC or a non-shared
 *       {@code hostDisk} makes it non-migratable too, with KubeVirt's messages.
 *   <li>Annotations on the VMI or the VM template (those on the VM itself are copied to its VMIs):
 *       {@code sim.runbook.dev/migration-seconds} (default {@code SimSettings.migration()}),
 *       {@code sim.runbook.dev/migration-failures} (the first N migrations fail). The simulator counts attempts in
 *       {@code sim.runbook.dev/migration-attempts}. Other {@code sim.runbook.dev/} annotations are copied onto the
 *       launcher pods, where the kubelet reads startup and termination times.
 *   <li>A VMI may be placed already running ({@code status.phase: Running}, {@code status.nodeName}): it gets its
 *       launcher pod bound to that node. A launcher pod placed with {@code kubevirt.io/domain: <vmi>} is adopted.
 * </ul>
 *
 * <h2>Simulated times</h2>
 *
 * <ul>
 *   <li>Migration: Running lasts the migration time; a target pod not running after {@link
 *       dev.runbook.simulator.kubevirt.MigrationController#TARGET_POD_TIMEOUT} fails the migration.
 *   <li>Evacuation retry after a failed migration: {@link
 *       dev.runbook.simulator.kubevirt.EvacuationController#RETRY_BACKOFF}, doubling.
 *   <li>A VM that should run (Always / RerunOnFailure) with no running VMI {@link
 *       dev.runbook.simulator.kubevirt.VirtualMachineController#LOST_AFTER} after it stopped is a {@code vm-lost}
 *       violation; so is a live-migratable LiveMigrate VMI shut down because its launcher pod went away.
 * </ul>
 *
 * <h2>Not simulated</h2>
 *
 * Hotplug volumes and their pods, the deprecated {@code kubevirt.io/drain} node taint, migration policies and
 * bandwidth, post-copy, KubeVirt's migration finalizer (a deleted migration is noticed by its orphaned target pod),
 * and VM state-change requests ({@code virtctl start/stop}).
 */
package dev.runbook.simulator.kubevirt;
