package dev.runbook.simulator.kubevirt;

import dev.runbook.simulator.EvictionAdmitter;
import dev.runbook.simulator.SimClock;
import dev.runbook.simulator.SimContext;
import dev.runbook.simulator.SimController;
import dev.runbook.simulator.SimSettings;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * fabric8's KubernetesMockServer in CRUD mode, told about the kubevirt.io/v1 resources (with status subresources),
 * plus stand-in scheduler and kubelet, and the KubeVirt controllers under test. Until the simulator's own API
 * server lands, the eviction subresource is played by {@link #evict}: ask the admitter, delete the pod if allowed.
 */
final class TestCluster implements AutoCloseable {
  static final String NS = "vms";
  /** Twenty times faster than real time: a 5 s migration takes a quarter of a second. */
  static final double SPEED = 20;

  /** The mock server logs every request through java.util.logging; held so the level setting is not collected. */
  private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  final KubernetesMockServer server;
  final KubernetesClient client;
  final RecordingScorekeeper score = new RecordingScorekeeper();
  final SimClock clock;
  final SimContext context;
  private final List<SimController> controllers = new ArrayList<>();
  private StandInNodeAgents agents;

  TestCluster() {
    this(SimSettings.defaults());
  }

  TestCluster(SimSettings settings) {
    this(settings, SPEED);
  }

  TestCluster(SimSettings settings, double speed) {
    clock = new SimClock(speed);
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(KubeVirt.resources()),
            false);
    server.init();
    client = server.createClient();
    context = new SimContext(clock, score, settings);
  }

  /** Starts the stand-in node agents and every KubeVirt controller, as the simulator's ServiceLoader would. */
  TestCluster running() {
    return running(new MigrationController());
  }

  /** As {@link #running()}, with {@code migrations} as the migration controller (a test may stop it to step it). */
  TestCluster running(MigrationController migrations) {
    agents = new StandInNodeAgents(client);
    for (SimController c : List.of(
        new VirtualMachineController(),
        new VirtualMachineInstanceController(),
        new EvacuationController(),
        migrations)) {
      c.start(client, context);
      controllers.add(c);
    }
    return this;
  }

  void node(String name) {
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name)
        .addToLabels("kubernetes.io/hostname", name).endMetadata().build()).create();
  }

  void cordon(String name) {
    client.nodes().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"unschedulable\":true}}");
  }

  void pvc(String name, String accessMode) {
    client.persistentVolumeClaims().inNamespace(NS).resource(new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withNewSpec().withAccessModes(accessMode).endSpec().build()).create();
  }

  /** A VirtualMachine whose disk is the PVC {@code claim}, with optional sim.runbook.dev annotations. */
  GenericKubernetesResource vm(String name, String runStrategy, String evictionStrategy, String claim,
      Map<String, String> templateAnnotations) {
    return vmWith(name, "runStrategy: " + runStrategy, evictionStrategy, claim, templateAnnotations);
  }

  /** A VirtualMachine in the legacy form: spec.running instead of spec.runStrategy. */
  GenericKubernetesResource legacyVm(String name, boolean running, String evictionStrategy, String claim) {
    return vmWith(name, "running: " + running, evictionStrategy, claim, Map.of());
  }

  private GenericKubernetesResource vmWith(String name, String runLine, String evictionStrategy, String claim,
      Map<String, String> templateAnnotations) {
    String yaml = """
        apiVersion: kubevirt.io/v1
        kind: VirtualMachine
        metadata:
          name: %s
          namespace: %s
        spec:
          %s
          template:
            metadata:
              labels:
                app: %s
              annotations: %s
            spec:
              evictionStrategy: %s
              domain:
                devices:
                  disks:
                  - name: root
                    disk: {bus: virtio}
                resources:
                  requests: {memory: 1Gi}
              volumes:
              - name: root
                persistentVolumeClaim:
                  claimName: %s
        """.formatted(name, NS, runLine, name, Serialization.asJson(templateAnnotations), evictionStrategy, claim);
    GenericKubernetesResource vm = Serialization.unmarshal(yaml, GenericKubernetesResource.class);
    return KubeVirt.vms(client).inNamespace(NS).resource(vm).create();
  }

  Vmi vmi(String name) {
    GenericKubernetesResource found = KubeVirt.vmis(client).inNamespace(NS).withName(name).get();
    return found == null ? null : new Vmi(found);
  }

  Vm vmObject(String name) {
    GenericKubernetesResource found = KubeVirt.vms(client).inNamespace(NS).withName(name).get();
    return found == null ? null : new Vm(found);
  }

  List<Vmim> migrations(String vmi) {
    return KubeVirt.migrations(client).inNamespace(NS).withLabel(KubeVirt.MIGRATION_SELECTOR_LABEL, vmi).list()
        .getItems().stream().map(Vmim::new).toList();
  }

  List<Pod> launcherPods(Vmi vmi) {
    return client.pods().inNamespace(NS).withLabel(KubeVirt.CREATED_BY_LABEL, vmi.uid()).list().getItems();
  }

  /** The pod running {@code vmi}'s guest now: the launcher on its node. */
  Pod launcher(String vmiName) {
    Vmi vmi = vmi(vmiName);
    return launcherPods(vmi).stream()
        .filter(p -> vmi.nodeName().equals(p.getSpec().getNodeName()))
        .findFirst()
        .orElseThrow();
  }

  /** What the eviction subresource does around KubeVirt's webhook: ask it, and remove the pod when allowed. */
  Optional<EvictionAdmitter.Denial> evict(Pod pod) {
    Optional<EvictionAdmitter.Denial> denial = new PodEvictionAdmitter().admit(pod, client, context);
    if (denial.isEmpty()) {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
    }
    return denial;
  }

  @Override
  public void close() {
    // Quiesce every writer before any watch closes (see LevelTriggeredController#close).
    if (agents != null) {
      agents.close();
    }
    controllers.forEach(c -> ((LevelTriggeredController) c).stop());
    controllers.forEach(SimController::close);
    clock.close();
    client.close();
    try {
      server.destroy();
    } catch (IllegalStateException e) {
      // The mock's Vert.x server sometimes outlives its 10 s close on a loaded 2-core machine; the port is freed
      // with the JVM and no test depends on it.
      System.err.println("mock server close: " + e.getMessage());
    }
  }
}
