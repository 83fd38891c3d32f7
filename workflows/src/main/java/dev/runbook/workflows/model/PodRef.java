package dev.runbook.workflows.model;

/** A pod by namespace, name and the UID it had when planned; a different UID under the same name is a new pod. */
public record PodRef(String namespace, String name, String uid) {
  public String key() {
    return namespace + "/" + name;
  }

  @Override
  public String toString() {
    return key();
  }
}
