package dev.runbook.workflows.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one argument of the {@code NodeMaintenance} workflow. Field names follow the NodeMaintenance CR spec
 * ({@code nodeName}, {@code reason}); the drain options default to what {@code oc adm drain
 * --delete-emptydir-data --ignore-daemonsets=true --force} does, and each can be turned off.
 *
 * <p>Unknown JSON fields are kept (not a deserialization crash) and rejected by validation with a message that
 * names them and the known options: a typo such as {@code ignoreDaemonset} must not silently fall back to a default.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class MaintenanceRequest {
  public static final boolean DEFAULT_DELETE_EMPTYDIR_DATA = true;
  public static final boolean DEFAULT_IGNORE_DAEMONSETS = true;
  public static final boolean DEFAULT_FORCE = true;
  /**
   * Evictions are quick API calls (the wait for terminations is one batched activity), so this bounds the load
   * on the API server and the activity workers, not how many pods terminate at once.
   */
  public static final int DEFAULT_MAX_CONCURRENT_EVICTIONS = 10;

  public static final Duration DEFAULT_DRAIN_DEADLINE = Duration.ofMinutes(15);
  public static final List<String> KNOWN_FIELDS =
      List.of(
          "nodeName",
          "reason",
          "deleteEmptyDirData",
          "ignoreDaemonSets",
          "force",
          "maxConcurrentEvictions",
          "drainDeadline",
          "gracePeriodSeconds",
          "autoResumeAfter");

  private String nodeName;
  private String reason;
  private Boolean deleteEmptyDirData;
  private Boolean ignoreDaemonSets;
  private Boolean force;
  private Integer maxConcurrentEvictions;
  private Duration drainDeadline;
  private Integer gracePeriodSeconds;
  private Duration autoResumeAfter;
  private final Map<String, Object> unknownFields = new LinkedHashMap<>();

  public MaintenanceRequest() {}

  public static MaintenanceRequest forNode(String nodeName, String reason) {
    MaintenanceRequest r = new MaintenanceRequest();
    r.nodeName = nodeName;
    r.reason = reason;
    return r;
  }

  public String getNodeName() { return nodeName; }
  public void setNodeName(String nodeName) { this.nodeName = nodeName; }
  public String getReason() { return reason; }
  public void setReason(String reason) { this.reason = reason; }
  public Boolean getDeleteEmptyDirData() { return deleteEmptyDirData; }
  public void setDeleteEmptyDirData(Boolean v) { this.deleteEmptyDirData = v; }
  public Boolean getIgnoreDaemonSets() { return ignoreDaemonSets; }
  public void setIgnoreDaemonSets(Boolean v) { this.ignoreDaemonSets = v; }
  public Boolean getForce() { return force; }
  public void setForce(Boolean v) { this.force = v; }
  public Integer getMaxConcurrentEvictions() { return maxConcurrentEvictions; }
  public void setMaxConcurrentEvictions(Integer v) { this.maxConcurrentEvictions = v; }
  public Duration getDrainDeadline() { return drainDeadline; }
  public void setDrainDeadline(Duration v) { this.drainDeadline = v; }
  public Integer getGracePeriodSeconds() { return gracePeriodSeconds; }
  public void setGracePeriodSeconds(Integer v) { this.gracePeriodSeconds = v; }
  public Duration getAutoResumeAfter() { return autoResumeAfter; }
  public void setAutoResumeAfter(Duration v) { this.autoResumeAfter = v; }

  @JsonAnySetter
  public void putUnknownField(String name, Object value) { unknownFields.put(name, value); }

  @JsonAnyGetter
  public Map<String, Object> getUnknownFields() { return unknownFields; }

  // Effective values, defaults applied.
  @JsonIgnore public boolean deleteEmptyDirData() { return deleteEmptyDirData == null ? DEFAULT_DELETE_EMPTYDIR_DATA : deleteEmptyDirData; }
  @JsonIgnore public boolean ignoreDaemonSets() { return ignoreDaemonSets == null ? DEFAULT_IGNORE_DAEMONSETS : ignoreDaemonSets; }
  @JsonIgnore public boolean force() { return force == null ? DEFAULT_FORCE : force; }
  @JsonIgnore public int maxConcurrentEvictions() { return maxConcurrentEvictions == null ? DEFAULT_MAX_CONCURRENT_EVICTIONS : maxConcurrentEvictions; }
  @JsonIgnore public Duration drainDeadline() { return drainDeadline == null ? DEFAULT_DRAIN_DEADLINE : drainDeadline; }

  /** Problems with the request itself, each a sentence that says what to do; empty when the request is usable. */
  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (nodeName == null || nodeName.isBlank()) {
      problems.add("nodeName is required: pass {\"nodeName\": \"<node>\"} naming the node to put into maintenance");
    } else if (!nodeName.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
      problems.add("nodeName '" + nodeName + "' is not a valid Kubernetes node name (lowercase RFC 1123 subdomain)");
    }
    if (!unknownFields.isEmpty()) {
      problems.add("unknown option(s) " + unknownFields.keySet() + "; known options are " + KNOWN_FIELDS);
    }
    if (maxConcurrentEvictions != null && (maxConcurrentEvictions < 1 || maxConcurrentEvictions > 1000)) {
      problems.add("maxConcurrentEvictions must be between 1 and 1000, got " + maxConcurrentEvictions);
    }
    if (drainDeadline != null && (drainDeadline.isNegative() || drainDeadline.isZero())) {
      problems.add("drainDeadline must be a positive ISO-8601 duration such as \"PT15M\", got " + drainDeadline);
    }
    if (autoResumeAfter != null && (autoResumeAfter.isNegative() || autoResumeAfter.isZero())) {
      problems.add("autoResumeAfter must be a positive ISO-8601 duration such as \"PT2H\", got " + autoResumeAfter);
    }
    if (gracePeriodSeconds != null && gracePeriodSeconds < 0) {
      problems.add("gracePeriodSeconds must be 0 or more (leave it out to use each pod's own), got " + gracePeriodSeconds);
    }
    return problems;
  }
}
