package dev.runbook.simulator.api;

import tools.jackson.databind.JsonNode;

/** An HTTP answer of the simulated apiserver. */
public record ApiResponse(int code, JsonNode body) {}
