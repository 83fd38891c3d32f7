/**
 * The activity implementations: thin adapters over the fabric8 {@code KubernetesClient}, one method per operation.
 *
 * <p>Conventions every class here keeps:
 *
 * <ul>
 *   <li>Failures are {@link io.temporal.failure.ApplicationFailure}s typed with {@code Failures}; a fabric8 error is
 *       classified by its HTTP code ({@link dev.runbook.activities.ApiFailures}), never by its message.
 *   <li>Every method is safe to re-run after a crash at any line: writes carry the resourceVersion or a UID
 *       precondition they were decided on, and what a re-run needs to know (the node's prior schedulability, the
 *       migrations already counted) is stored with the change itself or in heartbeat details.
 *   <li>Waits watch the objects they wait for only to wake up sooner; every decision is made on a fresh read, so a
 *       missed event or a closed watch costs one poll interval, never a wrong answer. They heartbeat about every
 *       second, which is how a cancellation reaches them.
 *   <li>Evictions use a client without client-side retries ({@link dev.runbook.activities.KubernetesClients}), so a
 *       429 is explained at once from the cluster's state: the VMI's evacuation and migratability, the PDB and its
 *       {@code disruptionsAllowed}. A batch ({@code evictPods}) tries each pod once, a bounded number at a time, and
 *       explains its refusals from one read of the PDBs: a refused pod is tried again in a later batch, on a fresh read.
 * </ul>
 *
 * <p>A worker registers them with {@code ActivitiesFactory.create(KubernetesClients.fromEnvironment()).toArray()}.
 */
package dev.runbook.activities;
