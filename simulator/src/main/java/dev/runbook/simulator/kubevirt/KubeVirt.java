package dev.runbook.simulator.kubevirt;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * KubeVirt's names as the real project spells them (kubevirt.io/api core/v1), and thin access to its three
 * resources through the plain fabric8 client: the simulator has no KubeVirt model dependency.
 */
public final class KubeVirt {
  private KubeVirt() {}

  public static final String GROUP = "kubevirt.io";
  public static final String VERSION = "v1";
  public static final String API_VERSION = GROUP + "/" + VERSION;

  public static final CustomResourceDefinitionContext VM = context("VirtualMachine", "virtualmachines");
  public static final CustomResourceDefinitionContext VMI =
      context("VirtualMachineInstance", "virtualmachineinstances");
  public static final CustomResourceDefinitionContext VMIM =
      context("VirtualMachineInstanceMigration", "virtualmachineinstancemigrations");

  /** The three kubevirt.io/v1 resources, for a CRUD mock server that must know them up front. */
  public static List<CustomResourceDefinitionContext> resources() {
    return List.of(VM, VMI, VMIM);
  }

  // Labels and annotations (virtv1.AppLabel, CreatedByLabel, DomainAnnotation, ...).
  public static final String APP_LABEL = "kubevirt.io";
  public static final String VIRT_LAUNCHER = "virt-launcher";
  public static final String CREATED_BY_LABEL = "kubevirt.io/created-by";
  public static final String VM_NAME_LABEL = "vm.kubevirt.io/name";
  public static final String NODE_NAME_LABEL = "kubevirt.io/nodeName";
  public static final String MIGRATION_JOB_UID_LABEL = "kubevirt.io/migrationJobUID";
  public static final String MIGRATION_SELECTOR_LABEL = "kubevirt.io/vmi-name";
  public static final String DOMAIN_ANNOTATION = "kubevirt.io/domain";
  public static final String EVACUATION_MIGRATION_ANNOTATION = "kubevirt.io/evacuationMigration";
  public static final String EVACUATION_GENERATE_NAME = "kubevirt-evacuation-";

  // VMI phases.
  public static final String PENDING = "Pending";
  public static final String SCHEDULING = "Scheduling";
  public static final String SCHEDULED = "Scheduled";
  public static final String RUNNING = "Running";
  public static final String SUCCEEDED = "Succeeded";
  public static final String FAILED = "Failed";

  // Migration phases beyond the VMI ones.
  public static final String PREPARING_TARGET = "PreparingTarget";
  public static final String TARGET_READY = "TargetReady";

  // Eviction strategies.
  public static final String LIVE_MIGRATE = "LiveMigrate";
  public static final String LIVE_MIGRATE_IF_POSSIBLE = "LiveMigrateIfPossible";
  public static final String EXTERNAL = "External";
  public static final String NONE = "None";

  // Run strategies.
  public static final String ALWAYS = "Always";
  public static final String RERUN_ON_FAILURE = "RerunOnFailure";
  public static final String MANUAL = "Manual";
  public static final String HALTED = "Halted";
  public static final String ONCE = "Once";

  public static final String LIVE_MIGRATABLE = "LiveMigratable";
  public static final String DISKS_NOT_LIVE_MIGRATABLE = "DisksNotLiveMigratable";
  public static final String HOST_DISK_NOT_LIVE_MIGRATABLE = "HostDiskNotLiveMigratable";

  /** The name of KubeVirt's validating webhook on pods/eviction; the API server prefixes denials with it. */
  public static final String EVICTION_WEBHOOK = "virt-launcher-eviction-interceptor.kubevirt.io";

  public static MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>>
      vms(KubernetesClient client) {
    return client.genericKubernetesResources(VM);
  }

  public static MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>>
      vmis(KubernetesClient client) {
    return client.genericKubernetesResources(VMI);
  }

  public static MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>>
      migrations(KubernetesClient client) {
    return client.genericKubernetesResources(VMIM);
  }

  /**
   * Writes the given status fields through the status subresource, as KubeVirt's controllers do (with the
   * subresource enabled the API server ignores status in writes to the main resource). A JSON patch (RFC 6902)
   * replaces each field whole: a merge patch would merge maps (activePods would keep departed pods) and some
   * servers concatenate lists. A null value removes the field if {@code current} has it. Returns false when the
   * object is gone.
   */
  static boolean patchStatus(
      Resource<GenericKubernetesResource> resource, GenericKubernetesResource current, Map<String, Object> changes) {
    Object status = current.getAdditionalProperties().get("status");
    Map<?, ?> existing = status instanceof Map<?, ?> m ? m : null;
    List<Map<String, Object>> ops = new ArrayList<>();
    if (existing == null) {
      ops.add(Map.of("op", "add", "path", "/status", "value", Map.of()));
    }
    for (Map.Entry<String, Object> change : changes.entrySet()) {
      String path = "/status/" + change.getKey().replace("~", "~0").replace("/", "~1");
      if (change.getValue() != null) {
        ops.add(Map.of("op", "add", "path", path, "value", change.getValue()));
      } else if (existing != null && existing.containsKey(change.getKey())) {
        ops.add(Map.of("op", "remove", "path", path));
      }
    }
    if (ops.isEmpty()) {
      return true;
    }
    try {
      resource.status().patch(PatchContext.of(PatchType.JSON), Serialization.asJson(ops));
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  /** Merge-patches the main resource (metadata, spec); false when the object is gone. */
  static boolean patch(Resource<?> resource, Map<String, Object> patch) {
    try {
      resource.patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(patch));
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  /** Deletes, treating an object that is already gone as deleted. */
  static void deleteQuietly(Resource<?> resource) {
    try {
      resource.delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  /** RFC 3339 with second precision, as metav1.Time serializes. */
  static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static CustomResourceDefinitionContext context(String kind, String plural) {
    return new CustomResourceDefinitionContext.Builder()
        .withName(plural + "." + GROUP)
        .withGroup(GROUP)
        .withVersion(VERSION)
        .withKind(kind)
        .withPlural(plural)
        .withScope("Namespaced")
        .withStatusSubresource(true)
        .build();
  }
}
