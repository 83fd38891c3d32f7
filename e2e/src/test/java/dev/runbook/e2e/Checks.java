package dev.runbook.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Map;

/** Assertions that print the text they looked at, which is what one needs when a real binary says something else. */
final class Checks {
  private Checks() {}

  static void assertContainsAll(String text, String... needles) {
    for (String n : needles) {
      if (text == null || !text.contains(n)) {
        fail("expected \"" + n + "\" in:\n" + abbreviate(text));
      }
    }
  }

  static void assertContainsNone(String text, String... needles) {
    for (String n : needles) {
      if (text.contains(n)) {
        fail("did not expect \"" + n + "\" in:\n" + abbreviate(text));
      }
    }
  }

  /** Schedulable, no taint and none of this project's annotations. */
  static void assertUntouchedNodeSpec(NodeView node) {
    assertFalse(node.unschedulable(), node.name() + " is schedulable: " + node);
    assertEquals(List.of(), node.taints(), node.name() + " has no taints");
    assertEquals(Map.of(), node.runbookAnnotations(), node.name() + " has no runbook.dev/ annotations");
  }

  private static String abbreviate(String text) {
    if (text == null) {
      return "null";
    }
    return text.length() > 4000 ? text.substring(0, 4000) + "... (" + text.length() + " chars)" : text;
  }
}
