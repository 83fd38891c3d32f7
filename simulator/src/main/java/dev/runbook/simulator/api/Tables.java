package dev.runbook.simulator.api;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Server-side printing ({@code meta.k8s.io/v1 Table}): kubectl asks for tables and prints the columns it gets, so
 * the STATUS of a cordoned node ({@code Ready,SchedulingDisabled}) or a terminating pod comes from here.
 */
public final class Tables {
  private Tables() {}

  private record Column(String name, String type, String format, String description, int priority,
      Function<JsonNode, Object> cell) {
    Column(String name, String type, int priority, Function<JsonNode, Object> cell) {
      this(name, type, name.equals("Name") ? "name" : "", name, priority, cell);
    }
  }

  public static boolean wanted(String accept) {
    return accept != null && accept.contains("as=Table");
  }

  public static ObjectNode table(ResourceType type, List<ObjectNode> objects, long resourceVersion) {
    List<Column> columns = columns(type);
    ObjectNode table = Json.object();
    table.put("kind", "Table");
    table.put("apiVersion", "meta.k8s.io/v1");
    table.putObject("metadata").put("resourceVersion", String.valueOf(resourceVersion));
    ArrayNode definitions = table.putArray("columnDefinitions");
    for (Column column : columns) {
      ObjectNode d = definitions.addObject();
      d.put("name", column.name());
      d.put("type", column.type());
      d.put("format", column.format());
      d.put("description", column.description());
      d.put("priority", column.priority());
    }
    ArrayNode rows = table.putArray("rows");
    for (ObjectNode object : objects) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      for (Column column : columns) {
        Object value = column.cell().apply(object);
        if (value == null) {
          cells.addNull();
        } else if (value instanceof Double d) {
          cells.add(d);
        } else if (value instanceof Number n) {
          cells.add(n.longValue());
        } else if (value instanceof Boolean b) {
          cells.add(b);
        } else {
          cells.add(String.valueOf(value));
        }
      }
      ObjectNode partial = Json.object();
      partial.put("kind", "PartialObjectMetadata");
      partial.put("apiVersion", "meta.k8s.io/v1");
      partial.set("metadata", object.path("metadata").deepCopy());
      row.set("object", partial);
    }
    return table;
  }

  private static Column col(String name, Function<JsonNode, Object> cell) {
    return new Column(name, "string", 0, cell);
  }

  private static Column wide(String name, Function<JsonNode, Object> cell) {
    return new Column(name, "string", 1, cell);
  }

  private static Column age() {
    return new Column("Age", "string", 0, o -> age(Json.text(o, "metadata.creationTimestamp")));
  }

  private static Column name() {
    return col("Name", o -> Json.text(o, "metadata.name"));
  }

  private static String or(String value, String fallback) {
    return value.isEmpty() ? fallback : value;
  }

  private static List<Column> columns(ResourceType type) {
    String key = type.storageKey();
    return switch (key) {
      case "/nodes" -> List.of(name(), col("Status", Tables::nodeStatus), col("Roles", Tables::roles), age(),
          col("Version", o -> Json.text(o, "status.nodeInfo.kubeletVersion")),
          wide("Internal-IP", o -> address(o, "InternalIP")), wide("External-IP", o -> or(address(o, "ExternalIP"), "<none>")),
          wide("OS-Image", o -> Json.text(o, "status.nodeInfo.osImage")),
          wide("Kernel-Version", o -> Json.text(o, "status.nodeInfo.kernelVersion")),
          wide("Container-Runtime", o -> Json.text(o, "status.nodeInfo.containerRuntimeVersion")));
      case "/pods" -> List.of(name(), col("Ready", Tables::podReady), col("Status", Tables::podStatus),
          new Column("Restarts", "integer", 0, Tables::restarts), age(),
          wide("IP", o -> or(Json.text(o, "status.podIP"), "<none>")),
          wide("Node", o -> or(Json.text(o, "spec.nodeName"), "<none>")),
          wide("Nominated Node", o -> or(Json.text(o, "status.nominatedNodeName"), "<none>")),
          wide("Readiness Gates", o -> "<none>"));
      case "/namespaces" -> List.of(name(), col("Status", o -> Json.text(o, "status.phase")), age());
      case "/events", "events.k8s.io/events" -> List.of(
          col("Last Seen", o -> age(or(Json.text(o, "lastTimestamp"), or(Json.text(o, "eventTime"),
              Json.text(o, "metadata.creationTimestamp"))))),
          col("Type", o -> Json.text(o, "type")), col("Reason", o -> Json.text(o, "reason")),
          col("Object", o -> Json.text(o, "involvedObject.kind").toLowerCase(java.util.Locale.ROOT) + "/"
              + Json.text(o, "involvedObject.name")),
          col("Message", o -> or(Json.text(o, "message"), Json.text(o, "note"))));
      case "/persistentvolumeclaims" -> List.of(name(), col("Status", o -> Json.text(o, "status.phase")),
          col("Volume", o -> Json.text(o, "spec.volumeName")),
          col("Capacity", o -> Json.text(o, "status.capacity.storage")),
          col("Access Modes", Tables::accessModes),
          col("StorageClass", o -> or(Json.text(o, "spec.storageClassName"), "<unset>")), age());
      case "apps/deployments" -> List.of(name(),
          col("Ready", o -> o.path("status").path("readyReplicas").asInt(0) + "/" + o.path("spec").path("replicas").asInt(1)),
          new Column("Up-to-date", "integer", 0, o -> o.path("status").path("updatedReplicas").asInt(0)),
          new Column("Available", "integer", 0, o -> o.path("status").path("availableReplicas").asInt(0)), age());
      case "apps/replicasets" -> List.of(name(),
          new Column("Desired", "integer", 0, o -> o.path("spec").path("replicas").asInt(1)),
          new Column("Current", "integer", 0, o -> o.path("status").path("replicas").asInt(0)),
          new Column("Ready", "integer", 0, o -> o.path("status").path("readyReplicas").asInt(0)), age());
      case "apps/statefulsets" -> List.of(name(),
          col("Ready", o -> o.path("status").path("readyReplicas").asInt(0) + "/" + o.path("spec").path("replicas").asInt(1)),
          age());
      case "apps/daemonsets" -> List.of(name(),
          new Column("Desired", "integer", 0, o -> o.path("status").path("desiredNumberScheduled").asInt(0)),
          new Column("Current", "integer", 0, o -> o.path("status").path("currentNumberScheduled").asInt(0)),
          new Column("Ready", "integer", 0, o -> o.path("status").path("numberReady").asInt(0)),
          new Column("Up-to-date", "integer", 0, o -> o.path("status").path("updatedNumberScheduled").asInt(0)),
          new Column("Available", "integer", 0, o -> o.path("status").path("numberAvailable").asInt(0)),
          col("Node Selector", o -> nodeSelector(o)), age());
      case "batch/jobs" -> List.of(name(), col("Status", Tables::jobStatus),
          col("Completions", o -> o.path("status").path("succeeded").asInt(0) + "/" + o.path("spec").path("completions").asInt(1)),
          age());
      case "policy/poddisruptionbudgets" -> List.of(name(),
          col("Min Available", o -> or(Json.text(o, "spec.minAvailable"), "N/A")),
          col("Max Unavailable", o -> or(Json.text(o, "spec.maxUnavailable"), "N/A")),
          new Column("Allowed Disruptions", "integer", 0, o -> o.path("status").path("disruptionsAllowed").asInt(0)),
          age());
      case "rbac.authorization.k8s.io/clusterroles", "rbac.authorization.k8s.io/roles" -> List.of(name(),
          col("Created At", o -> Json.text(o, "metadata.creationTimestamp")));
      case "rbac.authorization.k8s.io/clusterrolebindings", "rbac.authorization.k8s.io/rolebindings" -> List.of(name(),
          col("Role", o -> Json.text(o, "roleRef.kind") + "/" + Json.text(o, "roleRef.name")), age(),
          wide("Users", o -> subjects(o, "User")), wide("Groups", o -> subjects(o, "Group")),
          wide("ServiceAccounts", o -> subjects(o, "ServiceAccount")));
      case "admissionregistration.k8s.io/validatingwebhookconfigurations",
          "admissionregistration.k8s.io/mutatingwebhookconfigurations" -> List.of(name(),
          new Column("Webhooks", "integer", 0, o -> o.path("webhooks").size()), age());
      case "coordination.k8s.io/leases" -> List.of(name(), col("Holder", o -> Json.text(o, "spec.holderIdentity")), age());
      case "kubevirt.io/virtualmachines" -> List.of(name(), age(),
          col("Status", o -> Json.text(o, "status.printableStatus")),
          col("Ready", o -> String.valueOf(o.path("status").path("ready").asBoolean(false))));
      case "kubevirt.io/virtualmachineinstances" -> List.of(name(), age(), col("Phase", o -> Json.text(o, "status.phase")),
          col("IP", o -> Json.text(o, "status.interfaces.0.ipAddress")),
          col("NodeName", o -> Json.text(o, "status.nodeName")), col("Ready", Tables::vmiReady));
      case "kubevirt.io/virtualmachineinstancemigrations" -> List.of(name(),
          col("Phase", o -> Json.text(o, "status.phase")), col("VMI", o -> Json.text(o, "spec.vmiName")));
      default -> type.custom() ? customColumns(type) : List.of(name(), age());
    };
  }

  /** A custom resource: Name, then the CRD's additionalPrinterColumns (by default its Age), as apiextensions does. */
  private static List<Column> customColumns(ResourceType type) {
    List<Column> columns = new ArrayList<>();
    columns.add(new Column("Name", "string", "name",
        "Name must be unique within a namespace. Is required when creating resources, although some resources may "
            + "allow a client to request the generation of an appropriate name automatically. Name is primarily "
            + "intended for creation idempotence and configuration definition. Cannot be updated.",
        0, o -> Json.text(o, "metadata.name")));
    for (PrinterColumn c : type.printerColumns()) {
      columns.add(new Column(c.name(), c.type(), c.format(), c.description(), c.priority(), c::cell));
    }
    return columns;
  }

  static String age(String timestamp) {
    if (timestamp.isEmpty()) {
      return "<unknown>";
    }
    Duration d;
    try {
      d = Duration.between(Instant.parse(timestamp), Instant.now());
    } catch (RuntimeException e) {
      return "<unknown>";
    }
    if (d.isNegative()) {
      d = Duration.ZERO;
    }
    long s = d.getSeconds();
    if (s < 120) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m" + (s < 600 && s % 60 != 0 ? (s % 60) + "s" : "");
    }
    if (s < 86400) {
      return (s / 3600) + "h" + (s < 36000 && (s % 3600) / 60 != 0 ? ((s % 3600) / 60) + "m" : "");
    }
    return (s / 86400) + "d";
  }

  private static String nodeStatus(JsonNode node) {
    String ready = "Unknown";
    for (JsonNode c : node.path("status").path("conditions")) {
      if ("Ready".equals(c.path("type").asString(""))) {
        ready = switch (c.path("status").asString("")) {
          case "True" -> "Ready";
          case "False" -> "NotReady";
          default -> "Unknown";
        };
      }
    }
    if (node.path("spec").path("unschedulable").asBoolean(false)) {
      ready += ",SchedulingDisabled";
    }
    return ready;
  }

  private static String roles(JsonNode node) {
    List<String> roles = new ArrayList<>();
    for (String label : node.path("metadata").path("labels").propertyNames()) {
      if (label.startsWith("node-role.kubernetes.io/")) {
        roles.add(label.substring("node-role.kubernetes.io/".length()));
      }
    }
    return roles.isEmpty() ? "<none>" : String.join(",", roles);
  }

  private static String address(JsonNode node, String type) {
    for (JsonNode a : node.path("status").path("addresses")) {
      if (type.equals(a.path("type").asString(""))) {
        return a.path("address").asString("");
      }
    }
    return "";
  }

  private static String podReady(JsonNode pod) {
    int total = pod.path("spec").path("containers").size();
    int ready = 0;
    for (JsonNode s : pod.path("status").path("containerStatuses")) {
      if (s.path("ready").asBoolean(false)) {
        ready++;
      }
    }
    if (ready == 0 && EvictionHandler.isReady(pod) && "Running".equals(Json.text(pod, "status.phase"))) {
      ready = total;
    }
    return ready + "/" + total;
  }

  private static String podStatus(JsonNode pod) {
    if (pod.path("metadata").has("deletionTimestamp")) {
      return "Terminating";
    }
    String reason = Json.text(pod, "status.reason");
    if (!reason.isEmpty()) {
      return reason;
    }
    for (JsonNode s : pod.path("status").path("containerStatuses")) {
      String waiting = s.path("state").path("waiting").path("reason").asString("");
      if (!waiting.isEmpty()) {
        return waiting;
      }
    }
    String phase = Json.text(pod, "status.phase");
    if (phase.equals("Succeeded")) {
      return "Completed";
    }
    return or(phase, "Pending");
  }

  private static long restarts(JsonNode pod) {
    long restarts = 0;
    for (JsonNode s : pod.path("status").path("containerStatuses")) {
      restarts += s.path("restartCount").asLong(0);
    }
    return restarts;
  }

  private static String accessModes(JsonNode pvc) {
    List<String> modes = new ArrayList<>();
    for (JsonNode m : pvc.path("spec").path("accessModes")) {
      modes.add(switch (m.asString("")) {
        case "ReadWriteOnce" -> "RWO";
        case "ReadWriteMany" -> "RWX";
        case "ReadOnlyMany" -> "ROX";
        case "ReadWriteOncePod" -> "RWOP";
        default -> m.asString("");
      });
    }
    return String.join(",", modes);
  }

  private static String subjects(JsonNode binding, String kind) {
    List<String> names = new ArrayList<>();
    for (JsonNode subject : binding.path("subjects")) {
      if (kind.equals(subject.path("kind").asString(""))) {
        String namespace = subject.path("namespace").asString("");
        names.add(kind.equals("ServiceAccount") ? namespace + "/" + subject.path("name").asString("")
            : subject.path("name").asString(""));
      }
    }
    return String.join(", ", names);
  }

  private static String nodeSelector(JsonNode ds) {
    List<String> parts = new ArrayList<>();
    ds.path("spec").path("template").path("spec").path("nodeSelector").properties()
        .forEach(e -> parts.add(e.getKey() + "=" + e.getValue().asString()));
    return parts.isEmpty() ? "<none>" : String.join(",", parts);
  }

  private static String jobStatus(JsonNode job) {
    for (JsonNode c : job.path("status").path("conditions")) {
      if ("True".equals(c.path("status").asString(""))) {
        String t = c.path("type").asString("");
        if (t.equals("Complete") || t.equals("Failed")) {
          return t;
        }
      }
    }
    return "Running";
  }

  private static String vmiReady(JsonNode vmi) {
    for (JsonNode c : vmi.path("status").path("conditions")) {
      if ("Ready".equals(c.path("type").asString(""))) {
        return "True".equals(c.path("status").asString("")) ? "True" : "False";
      }
    }
    return "False";
  }
}
