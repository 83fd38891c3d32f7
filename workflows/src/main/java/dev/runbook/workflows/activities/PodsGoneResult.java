package dev.runbook.workflows.activities;

import dev.runbook.workflows.model.PodRef;
import java.util.List;

public record PodsGoneResult(List<PodRef> gone, List<PodRef> remaining) {}
