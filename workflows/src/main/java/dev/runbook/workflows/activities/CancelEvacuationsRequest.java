package dev.runbook.workflows.activities;

/** Stop the evacuations of {@code nodeName}: clear the VMIs' evacuationNodeName, delete unfinished migrations. */
public record CancelEvacuationsRequest(String nodeName) {}
