package dev.runbook.workflows.model;

/**
 * One pod of the drain.
 *
 * @param action what the drain does with it (see {@link dev.runbook.workflows.activities.PodAction})
 * @param owner the owning controller as {@code Kind/name}, or null for an unmanaged pod
 * @param vm for a virt-launcher pod, the VMI (namespace/name)
 */
public record PodProgress(
    String namespace, String name, String uid, String owner, String action, PodState state, String vm, String detail) {
  public String key() {
    return namespace + "/" + name;
  }

  public PodProgress withState(PodState newState, String newDetail) {
    return new PodProgress(namespace, name, uid, owner, action, newState, vm, newDetail);
  }
}
