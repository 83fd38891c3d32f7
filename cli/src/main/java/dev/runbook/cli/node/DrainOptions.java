package dev.runbook.cli.node;

import picocli.CommandLine.Option;

/**
 * The drain flags. Defaults match {@code oc adm drain --delete-emptydir-data --ignore-daemonsets=true --force}
 * (what the NodeMaintenance operator runs); each {@code --no-} flag makes the drain stricter.
 */
public final class DrainOptions {
  @Option(
      names = "--no-delete-emptydir-data",
      description = "Refuse to drain if a pod has emptyDir volumes (their data would be lost) instead of evicting it.")
  boolean noDeleteEmptyDirData;

  @Option(
      names = "--no-ignore-daemonsets",
      description = "Refuse to drain if DaemonSet pods run on the node instead of leaving them there.")
  boolean noIgnoreDaemonSets;

  @Option(
      names = "--no-force",
      description = "Refuse to drain if pods without a controller run on the node (nothing would recreate them).")
  boolean noForce;

  public boolean deleteEmptyDirData() {
    return !noDeleteEmptyDirData;
  }

  public boolean ignoreDaemonSets() {
    return !noIgnoreDaemonSets;
  }

  public boolean force() {
    return !noForce;
  }
}
