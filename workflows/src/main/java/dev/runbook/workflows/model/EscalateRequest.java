package dev.runbook.workflows.model;

import java.util.List;

/**
 * The {@code escalate} signal: delete the blocking pods despite their PodDisruptionBudget or VM eviction
 * strategy (kubectl's {@code --disable-eviction}).
 *
 * @param pods {@code namespace/name} of the pods to delete; empty or null means every currently blocked pod
 */
public record EscalateRequest(List<String> pods, String reason) {}
