package dev.runbook.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * What the commands need from outside: Temporal, the cluster, time, and whether a person watches a terminal.
 * {@link #standard()} is the real process; tests build their own with an in-memory Temporal and fakes.
 */
public record CliContext(
    TemporalClients temporal,
    DrainPlanners drainPlanners,
    DemoWorld.Factory demoWorlds,
    Sleeper sleeper,
    Supplier<Instant> clock,
    boolean interactive) {

  /** How watch loops wait between polls; tests replace it to run without real delays. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  public static CliContext standard() {
    return new CliContext(
        new EnvConfigTemporalClients(),
        DrainPlanners.standard(),
        DemoWorld.standard(),
        d -> Thread.sleep(d.toMillis()),
        Instant::now,
        // A console means a person at a terminal: redraw in place. Pipes and files get plain appended output.
        System.console() != null);
  }

  public CliContext withTemporal(TemporalClients clients) {
    return new CliContext(clients, drainPlanners, demoWorlds, sleeper, clock, interactive);
  }

  public CliContext withDrainPlanners(DrainPlanners planners) {
    return new CliContext(temporal, planners, demoWorlds, sleeper, clock, interactive);
  }

  public CliContext withDemoWorlds(DemoWorld.Factory worlds) {
    return new CliContext(temporal, drainPlanners, worlds, sleeper, clock, interactive);
  }

  public CliContext withSleeper(Sleeper s) {
    return new CliContext(temporal, drainPlanners, demoWorlds, s, clock, interactive);
  }

  public CliContext withClock(Supplier<Instant> c) {
    return new CliContext(temporal, drainPlanners, demoWorlds, sleeper, c, interactive);
  }
}
