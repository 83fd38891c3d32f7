package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("Durations: Go style and ISO-8601")
class DurationsTest {
  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
    "90s, PT1M30S",
    "15m, PT15M",
    "2h, PT2H",
    "1h30m, PT1H30M",
    "1.5h, PT1H30M",
    "500ms, PT0.5S",
    "2h45m30s, PT2H45M30S",
    "0, PT0S",
    "-5m, PT-5M",
    "PT15M, PT15M",
    "pt2h, PT2H",
    "P1D, PT24H",
  })
  void acceptsGoStyleAndIsoDurations(String text, String iso) {
    assertEquals(Duration.parse(iso), Durations.parse(text));
  }

  @ParameterizedTest(name = "''{0}'' is refused")
  @ValueSource(strings = {"15", "fifteen minutes", "15 m", "1d", "m", "15m3", "PT", "P1X", ""})
  void refusesWhatIsNotADurationAndShowsValidForms(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
    assertTrue(e.getMessage().contains("90s, 15m, 1h30m or ISO-8601 PT15M"), e.getMessage());
  }

  @Test
  void aBareNumberIsRefusedBecauseItHasNoUnit() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse("15"));
    assertTrue(e.getMessage().contains("has no unit"), e.getMessage());
  }

  @Test
  void formatsTheShortGoForm() {
    assertEquals("1h30m", Durations.format(Duration.ofMinutes(90)));
    assertEquals("45s", Durations.format(Duration.ofSeconds(45)));
    assertEquals("2h5s", Durations.format(Duration.ofSeconds(7205)));
    assertEquals("0s", Durations.format(Duration.ZERO));
    assertEquals("-3m", Durations.format(Duration.ofMinutes(-3)));
  }
}
