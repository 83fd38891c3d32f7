package dev.runbook.worker.nodemaintenance;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Settings of the NodeMaintenance controller, from the environment.
 *
 * @param enabled {@value #ENABLED}: run the controller in this worker (off by default: a worker only runs workflows)
 * @param statusInterval {@value #STATUS_INTERVAL_SECONDS}: how often a running maintenance's progress is copied into
 *     its resource's status, at most (one query and at most one status write per resource per interval)
 */
public record ControllerConfig(boolean enabled, Duration statusInterval) {
  public static final String ENABLED = "RUNBOOK_NODEMAINTENANCE_CONTROLLER";
  public static final String STATUS_INTERVAL_SECONDS = "RUNBOOK_NODEMAINTENANCE_STATUS_INTERVAL_SECONDS";

  public static ControllerConfig defaults() {
    return new ControllerConfig(false, Duration.ofSeconds(2));
  }

  public static ControllerConfig fromEnvironment(Map<String, String> env) {
    ControllerConfig d = defaults();
    boolean enabled = d.enabled();
    String raw = env.get(ENABLED);
    if (raw != null && !raw.isBlank()) {
      enabled =
          switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(ENABLED + "='" + raw + "' must be true or false (default false)");
          };
    }
    Duration interval = d.statusInterval();
    String seconds = env.get(STATUS_INTERVAL_SECONDS);
    if (seconds != null && !seconds.isBlank()) {
      try {
        interval = Duration.ofMillis(Math.round(Double.parseDouble(seconds.trim()) * 1000));
      } catch (NumberFormatException e) {
        interval = Duration.ZERO;
      }
      if (interval.toMillis() < 100) {
        throw new IllegalArgumentException(
            STATUS_INTERVAL_SECONDS + "='" + seconds + "' must be a number of seconds, 0.1 or more (default "
                + d.statusInterval().toSeconds() + ")");
      }
    }
    return new ControllerConfig(enabled, interval);
  }

  public ControllerConfig withEnabled(boolean on) {
    return new ControllerConfig(on, statusInterval);
  }
}
