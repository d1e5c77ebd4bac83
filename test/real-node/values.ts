// The chart values of the real-node install test: what a user sets on a cluster without kube-proxy or
// cluster DNS (docs/test-cluster.md#the-real-node): the controller and the bundled NATS on the host
// network, the controller reaching the API server and NATS on loopback, trials (in their own network
// namespace) reaching NATS at the Node's address, everything pinned to the real node.
import { createServer } from 'node:net';

export type RealNodeSettings = {
  /** The release namespace, the only one the controller watches (the test cluster is shared). */
  namespace: string;
  images: { controller: string; trainer: string; nats: string };
  /** The API server's loopback port. */
  apiPort: number;
  /** A free host port for the controller's /metrics, /healthz and /readyz. */
  metricsPort: number;
  /** The real node's address (on the host, reachable from Pods through their veth). */
  nodeIP: string;
  /** The label (value "true") and taint key of the real node. */
  realNodeLabel: string;
};

/** Helm values for charts/kubetune on the real node. */
export function realNodeValues(s: RealNodeSettings): Record<string, unknown> {
  const nodeSelector = { [s.realNodeLabel]: 'true' };
  const tolerations = [{ key: s.realNodeLabel, operator: 'Exists', effect: 'NoSchedule' }];
  const [repository, tag] = splitImage(s.images.controller);
  const [natsRepository, natsTag] = splitImage(s.images.nats);
  return {
    controller: {
      image: { repository, tag, pullPolicy: 'Never' },
      hostNetwork: true,
      metricsPort: s.metricsPort,
      watchNamespaces: [s.namespace],
      nodeSelector, tolerations,
      extraEnv: [
        // No kube-proxy: the in-cluster client goes straight to the API server's loopback address.
        { name: 'KUBERNETES_SERVICE_HOST', value: '127.0.0.1' },
        { name: 'KUBERNETES_SERVICE_PORT', value: String(s.apiPort) },
        // No cluster DNS: NATS (on the host network) by address, the Node's for trials in their own netns.
        { name: 'KUBETUNE_NATS_URL', value: 'nats://127.0.0.1:4222' },
        { name: 'KUBETUNE_TRIAL_NATS_URL', value: `nats://${s.nodeIP}:4222` },
      ],
    },
    nats: {
      mode: 'bundled',
      bundled: {
        image: { repository: natsRepository, tag: natsTag, pullPolicy: 'Never' },
        hostNetwork: true,
        persistence: { enabled: false },
        nodeSelector, tolerations,
      },
    },
    trainer: {
      image: s.images.trainer,
      gpu: { count: 0 },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
      nodeSelector, tolerations,
    },
    dashboards: { enabled: false },
  };
}

function splitImage(ref: string): [string, string] {
  const at = ref.lastIndexOf(':');
  if (at <= ref.lastIndexOf('/')) throw new Error(`image ${ref} has no tag; give it as repository:tag`);
  return [ref.slice(0, at), ref.slice(at + 1)];
}

/** A TCP port nothing listens on now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}
