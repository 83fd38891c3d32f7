package dev.runbook.workflows.model;

/** What the workflow returns: its final status record. */
public record MaintenanceResult(Stage stage, MaintenanceStatus status) {}
