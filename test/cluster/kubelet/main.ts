// Entry point of the process kubelet: reads its settings from the environment, registers the
// Node, runs Pods until SIGTERM/SIGINT, then stops every Pod process it started.
//   KUBECONFIG                    kubeconfig of the kubelet identity (required)
//   KUBETUNE_NODE_NAME            Node to register and bind Pods to (default kubetune-node)
//   KUBETUNE_KUBELET_DIR          cluster dir for Pod logs and scratch dirs (default ~/.cache/kubetune/cluster)
//   KUBETUNE_KUBELET_IMAGES       image table JSON (default test/cluster/kubelet/images.json)
//   KUBETUNE_KUBELET_BACKOFF_MS   first crash-loop delay (default 1000; the real kubelet uses 10000)
//   KUBETUNE_KUBELET_BACKOFF_MAX_MS  crash-loop delay cap (default 30000; the real kubelet uses 300000)
//   KUBETUNE_KUBELET_BIND         "false": do not bind unscheduled Pods (for a second kubelet in tests)
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, VersionApi } from '@kubernetes/client-node';
import { PooledKubeConfig } from '../../../controller/src/kube/kubeconfig.ts';
import { z } from 'zod';
import { describeError } from './api-errors.ts';
import { loadImageTable } from './images.ts';
import { startKubelet } from './kubelet.ts';
import { natsBus } from './synthetic-nats.ts';
import { heartbeat, registerNode } from './node.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');

const Settings = z.object({
  KUBECONFIG: z.string().min(1, 'KUBECONFIG must name the kubelet kubeconfig (up.sh writes <cluster dir>/kubelet.kubeconfig)'),
  KUBETUNE_NODE_NAME: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS subdomain').default('kubetune-node'),
  KUBETUNE_KUBELET_DIR: z.string().default(join(homedir(), '.cache/kubetune/cluster')),
  KUBETUNE_KUBELET_IMAGES: z.string().default(join(here, 'images.json')),
  KUBETUNE_KUBELET_BACKOFF_MS: z.coerce.number().int().positive().default(1000),
  KUBETUNE_KUBELET_BACKOFF_MAX_MS: z.coerce.number().int().positive().default(30_000),
  KUBETUNE_KUBELET_BIND: z.enum(['true', 'false']).default('true'),
});

const log = (msg: string): void => console.error(`${new Date().toISOString()} kubelet: ${msg}`);
const HEARTBEAT_MS = 20_000;

async function main(): Promise<void> {
  const parsed = Settings.safeParse(process.env);
  if (!parsed.success) throw new Error(`process kubelet settings: ${z.prettifyError(parsed.error)}`);
  const s = parsed.data;
  const kc = new PooledKubeConfig();
  kc.loadFromFile(s.KUBECONFIG);
  const core = kc.makeApiClient(CoreV1Api);
  const version = (await kc.makeApiClient(VersionApi).getCode()).gitVersion;
  const since = new Date();
  await registerNode(core, s.KUBETUNE_NODE_NAME, version, since);
  log(`registered node ${s.KUBETUNE_NODE_NAME} (${version})`);
  const bus = natsBus();
  const kubelet = await startKubelet({
    kc, nodeName: s.KUBETUNE_NODE_NAME, dir: s.KUBETUNE_KUBELET_DIR,
    images: loadImageTable(s.KUBETUNE_KUBELET_IMAGES, repoRoot),
    backoffBaseMs: s.KUBETUNE_KUBELET_BACKOFF_MS, backoffMaxMs: s.KUBETUNE_KUBELET_BACKOFF_MAX_MS,
    bind: s.KUBETUNE_KUBELET_BIND === 'true', bus, log,
  });
  const beat = setInterval(() => {
    heartbeat(core, s.KUBETUNE_NODE_NAME, version, since).catch((err: unknown) => log(`heartbeat: ${describeError(err)}`));
  }, HEARTBEAT_MS);
  const shutdown = (signal: string): void => {
    log(`${signal}: stopping pod processes`);
    clearInterval(beat);
    void kubelet.stop().then(() => bus.close()).finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  log(`fatal: ${describeError(err)}`);
  process.exit(1);
});
