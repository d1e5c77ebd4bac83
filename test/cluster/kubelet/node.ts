// The Node object the process kubelet stands for: registered Ready, untainted, and heartbeated.
import { cpus, hostname, release, totalmem } from 'node:os';
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type V1Node, type V1NodeCondition } from '@kubernetes/client-node';
import { isStatus } from './api-errors.ts';
import { PROCESS_NODE_LABELS } from './placement.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function readyConditions(now: Date, since: Date): V1NodeCondition[] {
  const ok = (type: string, reason: string, message: string): V1NodeCondition =>
    ({ type, status: type === 'Ready' ? 'True' : 'False', reason, message, lastHeartbeatTime: now, lastTransitionTime: since });
  return [
    ok('Ready', 'KubeletReady', 'process kubelet is posting ready status'),
    ok('MemoryPressure', 'KubeletHasSufficientMemory', 'no memory pressure tracked'),
    ok('DiskPressure', 'KubeletHasNoDiskPressure', 'no disk pressure tracked'),
    ok('PIDPressure', 'KubeletHasSufficientPID', 'no PID pressure tracked'),
  ];
}

/** The Node's status: this machine's CPUs and memory, loopback address, Ready. */
export function nodeStatus(nodeName: string, kubeletVersion: string, now: Date, since: Date): NonNullable<V1Node['status']> {
  const capacity = { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110' };
  return {
    capacity,
    allocatable: capacity,
    conditions: readyConditions(now, since),
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: nodeName }],
    nodeInfo: {
      machineID: hostname(), systemUUID: nodeName, bootID: String(since.getTime()), kernelVersion: release(),
      osImage: 'kubetune process kubelet', containerRuntimeVersion: 'process://node', kubeletVersion,
      kubeProxyVersion: '', operatingSystem: 'linux', architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    },
  };
}

/**
 * Creates the Node (or adopts an existing one), clears the not-ready taint the API server adds at
 * creation (no node-lifecycle controller runs to do it), and reports it Ready.
 */
export async function registerNode(core: CoreV1Api, nodeName: string, kubeletVersion: string, since: Date): Promise<void> {
  const labels = { 'kubernetes.io/hostname': nodeName, ...PROCESS_NODE_LABELS };
  try {
    await core.createNode({ body: { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName, labels } } });
  } catch (err) {
    if (!isStatus(err, 409)) throw err;
  }
  await core.patchNode({ name: nodeName, body: { metadata: { labels }, spec: { taints: null } } }, mergePatch);
  await heartbeat(core, nodeName, kubeletVersion, since);
}

/** Re-posts the Node's status with a fresh heartbeat time. */
export async function heartbeat(core: CoreV1Api, nodeName: string, kubeletVersion: string, since: Date): Promise<void> {
  const status = JSON.parse(JSON.stringify(nodeStatus(nodeName, kubeletVersion, new Date(), since))) as unknown;
  await core.patchNodeStatus({ name: nodeName, body: { status } }, mergePatch);
}
