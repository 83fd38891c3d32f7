#!/usr/bin/env python3
"""Writes the benchmark scenarios (bench/scenarios/*.yaml): one node, worker-1, to drain; workers 2..4 with room.

Durations are written on every pod template / pod / VMI (sim.runbook.dev/ annotations, simulator/README.md) so that
bench/run can compute each scenario's lower bound from the file alone.  Re-run after changing this script and commit
the YAML it writes: `python3 bench/gen_scenarios.py`.
"""
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios")
TERM, START, MIGRATE = 1, 2, 5  # seconds: pod termination, pod startup, live migration once running
NODE = "worker-1"
OTHER_NODES = ["worker-2", "worker-3", "worker-4"]


def ann(term=TERM, start=START, extra=None):
    a = {"sim.runbook.dev/termination-seconds": str(term), "sim.runbook.dev/startup-seconds": str(start)}
    a.update(extra or {})
    return "{" + ", ".join(f'{k}: "{v}"' for k, v in a.items()) + "}"


def labels(d):
    return "{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}"


def nodes(max_pods):
    out = []
    for i, name in enumerate([NODE] + OTHER_NODES, start=1):
        out.append(f"""apiVersion: v1
kind: Node
metadata:
  name: {name}
  labels: {{kubernetes.io/hostname: {name}, kubernetes.io/os: linux, node-role.kubernetes.io/worker: "", kubevirt.io/schedulable: "true"}}
status:
  capacity: {{cpu: "64", memory: 256Gi, pods: "{max_pods}"}}
  allocatable: {{cpu: "63500m", memory: 250Gi, pods: "{max_pods}"}}
  addresses: [{{type: InternalIP, address: 10.0.0.{20 + i}}}, {{type: Hostname, address: {name}}}]
  conditions:
  - {{type: Ready, status: "True", reason: KubeletReady, message: kubelet is posting ready status}}
  nodeInfo: {{kubeletVersion: v1.32.0, containerRuntimeVersion: "cri-o://1.32.0", operatingSystem: linux, architecture: amd64}}""")
    return out


RUNNING = """status:
  phase: Running
  podIP: {ip}
  conditions:
  - {{type: PodScheduled, status: "True"}}
  - {{type: Initialized, status: "True"}}
  - {{type: ContainersReady, status: "True"}}
  - {{type: Ready, status: "True"}}
  containerStatuses:
  - {{name: {c}, ready: true, started: true, restartCount: 0, image: {c}, state: {{running: {{startedAt: "2026-01-01T00:00:00Z"}}}}}}"""

_ip = [0]


def ip():
    _ip[0] += 1
    return f"10.128.{_ip[0] // 250}.{_ip[0] % 250 + 1}"


def pod(ns, name, lbls, owner_kind, owner, node=NODE, annotations=None, container="app"):
    return f"""apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {ns}
  labels: {labels(lbls)}
  annotations: {annotations or ann()}
  ownerReferences:
  - {{apiVersion: {"apps/v1" if owner_kind != "VirtualMachineInstance" else "kubevirt.io/v1"}, kind: {owner_kind}, name: {owner}, controller: true, blockOwnerDeletion: true}}
spec:
  nodeName: {node}
  terminationGracePeriodSeconds: 30
  containers: [{{name: {container}, image: "registry.example/{container}:1"}}]
""" + RUNNING.format(ip=ip(), c=container)


def deployment(ns, name, replicas, on_node=None):
    """A Deployment, its ReplicaSet and its pods, `on_node` of them on worker-1 and the rest spread elsewhere."""
    on_node = replicas if on_node is None else on_node
    h = "5f7d8c9b6"
    lb = {"app": name, "pod-template-hash": h}
    docs = [f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {ns}, labels: {{app: {name}}}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata:
      labels: {{app: {name}}}
      annotations: {ann()}
    spec:
      containers: [{{name: app, image: "registry.example/app:1"}}]
status: {{replicas: {replicas}, readyReplicas: {replicas}, availableReplicas: {replicas}, updatedReplicas: {replicas}, observedGeneration: 1}}""",
            f"""apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: {name}-{h}
  namespace: {ns}
  labels: {labels(lb)}
  annotations: {{deployment.kubernetes.io/revision: "1"}}
  ownerReferences:
  - {{apiVersion: apps/v1, kind: Deployment, name: {name}, controller: true, blockOwnerDeletion: true}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {labels(lb)}}}
  template:
    metadata:
      labels: {labels(lb)}
      annotations: {ann()}
    spec:
      containers: [{{name: app, image: "registry.example/app:1"}}]
status: {{replicas: {replicas}, readyReplicas: {replicas}, availableReplicas: {replicas}, fullyLabeledReplicas: {replicas}, observedGeneration: 1}}"""]
    for i in range(replicas):
        node = NODE if i < on_node else OTHER_NODES[i % len(OTHER_NODES)]
        docs.append(pod(ns, f"{name}-{h}-{i:05d}", lb, "ReplicaSet", f"{name}-{h}", node=node))
    return docs


def statefulset(ns, name, replicas):
    docs = [f"""apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: {name}, namespace: {ns}, labels: {{app: {name}}}}}
spec:
  replicas: {replicas}
  serviceName: {name}
  podManagementPolicy: OrderedReady
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata:
      labels: {{app: {name}}}
      annotations: {ann()}
    spec:
      terminationGracePeriodSeconds: 30
      containers: [{{name: db, image: "registry.example/db:1"}}]
status: {{replicas: {replicas}, readyReplicas: {replicas}, availableReplicas: {replicas}, currentReplicas: {replicas}, updatedReplicas: {replicas}, observedGeneration: 1, currentRevision: {name}-7c9f, updateRevision: {name}-7c9f}}"""]
    for i in range(replicas):
        lb = {"app": name, "statefulset.kubernetes.io/pod-name": f"{name}-{i}", "controller-revision-hash": f"{name}-7c9f"}
        docs.append(pod(ns, f"{name}-{i}", lb, "StatefulSet", name, container="db"))
    return docs


def pdb(ns, name, app, max_unavailable):
    return f"""apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: {name}, namespace: {ns}}}
spec:
  maxUnavailable: {max_unavailable}
  selector: {{matchLabels: {{app: {app}}}}}"""


def daemonset(ns, name):
    lb = {"app": name}
    return [f"""apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: {name}, namespace: {ns}}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}, annotations: {ann()}}}
    spec:
      containers: [{{name: agent, image: "registry.example/agent:1"}}]"""] + [
        pod(ns, f"{name}-{n}", lb, "DaemonSet", name, node=n, container="agent") for n in [NODE] + OTHER_NODES]


def vm(ns, name):
    vm_ann = ann(extra={"sim.runbook.dev/migration-seconds": str(MIGRATE)})
    spec = f"""evictionStrategy: LiveMigrate
      domain:
        cpu: {{cores: 2}}
        memory: {{guest: 4Gi}}
        devices:
          disks: [{{name: rootdisk, disk: {{bus: virtio}}}}]
          interfaces: [{{name: default, masquerade: {{}}}}]
      networks: [{{name: default, pod: {{}}}}]
      volumes: [{{name: rootdisk, persistentVolumeClaim: {{claimName: {name}-disk}}}}]"""
    vmi_spec = spec.replace("\n    ", "\n")
    return [f"""apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: {name}-disk, namespace: {ns}}}
spec:
  accessModes: [ReadWriteMany]
  storageClassName: ocs-storagecluster-ceph-rbd
  volumeMode: Block
  resources: {{requests: {{storage: 30Gi}}}}
  volumeName: pvc-{name}
status: {{phase: Bound, accessModes: [ReadWriteMany], capacity: {{storage: 30Gi}}}}""",
            f"""apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {{name: {name}, namespace: {ns}, labels: {{app: {name}}}}}
spec:
  runStrategy: Always
  template:
    metadata:
      labels: {{kubevirt.io/vm: {name}}}
      annotations: {vm_ann}
    spec:
      {spec}
status: {{printableStatus: Running, ready: true, created: true, runStrategy: Always}}""",
            f"""apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata:
  name: {name}
  namespace: {ns}
  labels: {{kubevirt.io/vm: {name}, kubevirt.io/nodeName: {NODE}}}
  annotations: {vm_ann}
  ownerReferences:
  - {{apiVersion: kubevirt.io/v1, kind: VirtualMachine, name: {name}, controller: true, blockOwnerDeletion: true}}
spec:
  {vmi_spec}
status:
  phase: Running
  nodeName: {NODE}
  migrationMethod: LiveMigration
  interfaces: [{{name: default, ipAddress: {ip()}}}]
  conditions:
  - {{type: Ready, status: "True"}}
  - {{type: LiveMigratable, status: "True"}}""",
            pod(ns, f"virt-launcher-{name}-x4k2p",
                {"kubevirt.io": "virt-launcher", "vm.kubevirt.io/name": name, "kubevirt.io/vm": name},
                "VirtualMachineInstance", name,
                annotations=ann(extra={"kubevirt.io/domain": name, "sim.runbook.dev/migration-seconds": str(MIGRATE)}),
                container="compute")]


def write(name, comment, max_pods, docs):
    path = os.path.join(OUT, name + ".yaml")
    with open(path, "w") as f:
        f.write("# Generated by bench/gen_scenarios.py; do not edit by hand.\n# " + comment + "\n---\n")
        f.write("\n---\n".join(nodes(max_pods) + docs) + "\n")
    print(path)


def main():
    os.makedirs(OUT, exist_ok=True)
    _ip[0] = 0
    write("pods-110", "110 unconstrained pods of two Deployments on worker-1 (kubelet's default max pods).", 250,
          deployment("web", "frontend", 60) + deployment("web", "backend", 50))
    _ip[0] = 0
    write("statefulset-pdb", "A 10-replica StatefulSet on worker-1 under a maxUnavailable: 1 PDB: one pod at a time.",
          250, statefulset("db", "pg", 10) + [pdb("db", "pg", "pg", 1)])
    _ip[0] = 0
    docs = []
    for i in range(20):
        docs += vm("vms", f"vm-{i:02d}")
    write("vms-20", "20 LiveMigrate VMs on ReadWriteMany disks on worker-1; KubeVirt migrates 2 at a time off a node.",
          250, docs)
    _ip[0] = 0
    docs = daemonset("kube-system", "node-agent")          # 1 pod on worker-1, skipped by the drain
    docs += statefulset("db", "pg", 6) + [pdb("db", "pg", "pg", 1)]  # 6, one at a time
    docs += deployment("api", "api", 24) + [pdb("api", "api", "api", 2)]  # 24, two at a time
    for i in range(10):
        docs += vm("vms", f"vm-{i:02d}")                   # 10 launcher pods, 2 migrations at a time
    docs += deployment("web", "frontend", 105) + deployment("web", "backend", 104)  # 209 unconstrained
    write("mixed-250", "250 pods on worker-1: 209 unconstrained, a StatefulSet of 6 (PDB maxUnavailable 1), "
          "24 Deployment pods (PDB maxUnavailable 2), 10 LiveMigrate VMs, 1 DaemonSet pod.", 250, docs)


if __name__ == "__main__":
    main()
