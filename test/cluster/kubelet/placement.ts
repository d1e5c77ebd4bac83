// Which unscheduled Pods the process kubelet binds to itself: it stands in for the scheduler, so it
// honours spec.nodeSelector (a Pod aimed at the real node in test/cluster/real-node-up.sh is left to
// kube-scheduler). Affinity, taints and resources are not checked (docs/test-cluster.md).
import type { V1Pod } from '@kubernetes/client-node';

/** The labels the process kubelet's Node carries (without the per-node hostname label). */
export const PROCESS_NODE_LABELS: Readonly<Record<string, string>> = {
  'kubernetes.io/os': 'linux',
  'kubernetes.io/arch': 'amd64',
  'kubetune.io/process-kubelet': 'true',
};

/** True when every nodeSelector entry of the Pod is among the Node's labels. */
export function selectsNode(pod: V1Pod, nodeLabels: Readonly<Record<string, string>>): boolean {
  return Object.entries(pod.spec?.nodeSelector ?? {}).every(([k, v]) => nodeLabels[k] === v);
}
