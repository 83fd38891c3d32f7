package dev.runbook.simulator.controllers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Placement rules")
class PlacementTest {
  private static final Taint DRAIN = new TaintBuilder().withKey("medik8s.io/drain").withEffect("NoSchedule").build();
  private static final Taint DEDICATED =
      new TaintBuilder().withKey("dedicated").withValue("gpu").withEffect("NoExecute").build();

  @Test
  @DisplayName("a toleration matches a taint by key, operator and effect, as v1.Toleration.ToleratesTaint does")
  void tolerationMatchesTaintByKeyOperatorAndEffect() {
    assertTrue(Placement.tolerates(toleration(null, "Exists", null, null), DRAIN), "empty key with Exists tolerates all");
    assertTrue(Placement.tolerates(toleration("medik8s.io/drain", "Exists", null, "NoSchedule"), DRAIN));
    assertTrue(Placement.tolerates(toleration("medik8s.io/drain", "Exists", null, null), DRAIN), "empty effect matches all");
    assertFalse(Placement.tolerates(toleration("medik8s.io/drain", "Exists", null, "NoExecute"), DRAIN));
    assertFalse(Placement.tolerates(toleration("other", "Exists", null, null), DRAIN));
    assertTrue(Placement.tolerates(toleration("dedicated", "Equal", "gpu", "NoExecute"), DEDICATED));
    assertTrue(Placement.tolerates(toleration("dedicated", null, "gpu", null), DEDICATED), "operator defaults to Equal");
    assertFalse(Placement.tolerates(toleration("dedicated", "Equal", "cpu", "NoExecute"), DEDICATED));
  }

  @Test
  @DisplayName("a label selector: null selects nothing, empty selects everything, expressions are ANDed")
  void labelSelectorSemantics() {
    Map<String, String> labels = Map.of("app", "web", "tier", "front");
    assertFalse(Placement.matches(null, labels));
    assertTrue(Placement.matches(new LabelSelectorBuilder().build(), labels));
    assertTrue(Placement.matches(new LabelSelectorBuilder().addToMatchLabels("app", "web")
        .addNewMatchExpression().withKey("tier").withOperator("In").withValues("front", "back").endMatchExpression()
        .addNewMatchExpression().withKey("canary").withOperator("DoesNotExist").endMatchExpression()
        .build(), labels));
    assertFalse(Placement.matches(new LabelSelectorBuilder().addToMatchLabels("app", "web")
        .addNewMatchExpression().withKey("tier").withOperator("NotIn").withValues("front").endMatchExpression()
        .build(), labels));
  }

  @Test
  @DisplayName("DaemonSet pods tolerate a cordon but not the drain taint")
  void daemonSetPodsTolerateACordonButNotTheDrainTaint() {
    List<Toleration> tolerations = DaemonSetController.withDefaultTolerations(new io.fabric8.kubernetes.api.model.PodSpec());
    Taint cordon = new TaintBuilder().withKey(Placement.UNSCHEDULABLE_TAINT).withEffect("NoSchedule").build();

    assertTrue(tolerations.stream().anyMatch(t -> Placement.tolerates(t, cordon)));
    assertFalse(tolerations.stream().anyMatch(t -> Placement.tolerates(t, DRAIN)));
    assertEquals(6, tolerations.size());
  }

  private static Toleration toleration(String key, String operator, String value, String effect) {
    return new TolerationBuilder().withKey(key).withOperator(operator).withValue(value).withEffect(effect).build();
  }
}
