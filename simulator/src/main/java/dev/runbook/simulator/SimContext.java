package dev.runbook.simulator;

/** What the simulated cluster hands to its controllers and admission hooks besides the API client. */
public record SimContext(SimClock clock, Scorekeeper score, SimSettings settings) {}
