package dev.runbook.simulator;

import java.time.Duration;

/**
 * Cluster-wide simulated defaults; each can be overridden per object with a {@code sim.runbook.dev/} annotation
 * (see {@link SimAnnotations}).
 */
public record SimSettings(
    Duration podStartup,
    Duration podTermination,
    Duration migration,
    int parallelMigrationsPerCluster,
    int parallelOutboundMigrationsPerNode,
    String defaultEvictionStrategy) {
  public static SimSettings defaults() {
    return new SimSettings(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(5), 5, 2, "None");
  }
}
