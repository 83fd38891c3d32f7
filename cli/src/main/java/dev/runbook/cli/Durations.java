package dev.runbook.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators type them: Go / kubectl style ({@code 90s}, {@code 15m}, {@code 1h30m}, {@code 1.5h},
 * {@code 500ms}) or ISO-8601 ({@code PT15M}, {@code P1D}).
 */
public final class Durations {
  private Durations() {}

  private static final Pattern GO_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");
  private static final String EXAMPLES = "use e.g. 90s, 15m, 1h30m or ISO-8601 PT15M";

  /** Parses {@code text}; throws IllegalArgumentException with a message that shows valid forms. */
  public static Duration parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty duration: " + EXAMPLES);
    }
    String s = text.trim();
    String upper = s.toUpperCase(Locale.ROOT);
    if (upper.startsWith("P") || upper.startsWith("-P") || upper.startsWith("+P")) {
      try {
        return Duration.parse(upper);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("'" + text + "' is not an ISO-8601 duration: " + EXAMPLES);
      }
    }
    return parseGo(text, s);
  }

  private static Duration parseGo(String original, String s) {
    boolean negative = false;
    if (s.startsWith("-") || s.startsWith("+")) {
      negative = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.matches("\\d+(\\.\\d+)?")) {
      throw new IllegalArgumentException("'" + original + "' has no unit: " + EXAMPLES);
    }
    Matcher m = GO_PART.matcher(s);
    BigDecimal nanos = BigDecimal.ZERO;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        break;
      }
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(nanosPerUnit(m.group(2)))));
      end = m.end();
    }
    if (end == 0 || end != s.length()) {
      throw new IllegalArgumentException("'" + original + "' is not a duration: " + EXAMPLES);
    }
    Duration d = Duration.ofNanos(nanos.longValue());
    return negative ? d.negated() : d;
  }

  private static long nanosPerUnit(String unit) {
    return switch (unit) {
      case "ns" -> 1L;
      case "us", "µs" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      case "h" -> 3_600_000_000_000L;
      default -> throw new IllegalStateException(unit);
    };
  }

  /** The short Go-style form ({@code 1h30m}, {@code 45s}, {@code 0s}); sub-second parts are dropped. */
  public static String format(Duration d) {
    if (d == null) {
      return "-";
    }
    StringBuilder out = new StringBuilder();
    if (d.isNegative()) {
      out.append('-');
      d = d.negated();
    }
    long h = d.toHours();
    int m = d.toMinutesPart();
    int s = d.toSecondsPart();
    if (h > 0) {
      out.append(h).append('h');
    }
    if (m > 0) {
      out.append(m).append('m');
    }
    if (s > 0 || (h == 0 && m == 0)) {
      out.append(s).append('s');
    }
    return out.toString();
  }
}
