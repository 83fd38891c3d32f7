package dev.runbook.simulator.scenario;

import dev.runbook.simulator.api.Json;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The KubeVirt CustomResourceDefinitions a simulated OpenShift Virtualization cluster serves: VirtualMachine,
 * VirtualMachineInstance and VirtualMachineInstanceMigration in {@code kubevirt.io/v1}, namespaced, with a status
 * subresource and KubeVirt's printer columns.
 */
public final class KubeVirtCrds {
  private KubeVirtCrds() {}

  public static List<ObjectNode> all() {
    return List.of(
        crd("VirtualMachine", "virtualmachines", "virtualmachine", List.of("vm", "vms"),
            List.of(column("Age", "date", ".metadata.creationTimestamp"),
                column("Status", "string", ".status.printableStatus"),
                column("Ready", "string", ".status.conditions[?(@.type=='Ready')].status"))),
        crd("VirtualMachineInstance", "virtualmachineinstances", "virtualmachineinstance", List.of("vmi", "vmis"),
            List.of(column("Age", "date", ".metadata.creationTimestamp"),
                column("Phase", "string", ".status.phase"),
                column("IP", "string", ".status.interfaces[0].ipAddress"),
                column("NodeName", "string", ".status.nodeName"),
                column("Ready", "string", ".status.conditions[?(@.type=='Ready')].status"))),
        crd("VirtualMachineInstanceMigration", "virtualmachineinstancemigrations",
            "virtualmachineinstancemigration", List.of("vmim", "vmims"),
            List.of(column("Phase", "string", ".status.phase"), column("VMI", "string", ".spec.vmiName"))));
  }

  private static ObjectNode column(String name, String type, String jsonPath) {
    ObjectNode c = Json.object();
    c.put("name", name);
    c.put("type", type);
    c.put("jsonPath", jsonPath);
    return c;
  }

  private static ObjectNode crd(
      String kind, String plural, String singular, List<String> shortNames, List<ObjectNode> columns) {
    ObjectNode crd = Json.object();
    crd.put("apiVersion", "apiextensions.k8s.io/v1");
    crd.put("kind", "CustomResourceDefinition");
    crd.putObject("metadata").put("name", plural + ".kubevirt.io");
    ObjectNode spec = crd.putObject("spec");
    spec.put("group", "kubevirt.io");
    spec.put("scope", "Namespaced");
    ObjectNode names = spec.putObject("names");
    names.put("kind", kind);
    names.put("listKind", kind + "List");
    names.put("plural", plural);
    names.put("singular", singular);
    ArrayNode shorts = names.putArray("shortNames");
    shortNames.forEach(shorts::add);
    names.putArray("categories").add("all");
    ObjectNode version = spec.putArray("versions").addObject();
    version.put("name", "v1");
    version.put("served", true);
    version.put("storage", true);
    ObjectNode schema = version.putObject("schema").putObject("openAPIV3Schema");
    schema.put("type", "object");
    schema.put("x-kubernetes-preserve-unknown-fields", true);
    version.putObject("subresources").putObject("status");
    ArrayNode printer = version.putArray("additionalPrinterColumns");
    columns.forEach(printer::add);
    return crd;
  }
}
