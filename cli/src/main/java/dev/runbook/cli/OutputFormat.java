package dev.runbook.cli;

/** {@code -o text} for people, {@code -o json} for scripts (the workflow's own records, as Temporal encodes them). */
public enum OutputFormat {
  text,
  json
}
