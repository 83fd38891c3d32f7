package dev.runbook.workflows.model;

/**
 * Why one pod is still on the node, in plain words ({@code message}) and in fields a tool can use.
 *
 * @param pdb the blocking PodDisruptionBudget (namespace/name), for PDB blockers
 * @param disruptionsAllowed the PDB's {@code status.disruptionsAllowed} when last seen, for PDB blockers
 * @param vm the VirtualMachineInstance (namespace/name), for VM blockers
 * @param since workflow time (epoch millis) when the blocker was first seen
 */
public record Blocker(
    String pod, BlockerKind kind, String message, String pdb, Integer disruptionsAllowed, String vm, long since) {}
