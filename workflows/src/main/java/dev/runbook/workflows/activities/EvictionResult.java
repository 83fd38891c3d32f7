package dev.runbook.workflows.activities;

import dev.runbook.workflows.model.Blocker;

/** @param blocker for BLOCKED: why (the PDB and its disruptionsAllowed, the VM's reason, the API error) */
public record EvictionResult(EvictionOutcome outcome, Blocker blocker) {}
