// withCluster(): the test cluster for node:test integration suites.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { podLogPath } from './kubelet/kubelet.ts';
import { processAlive } from './proc-alive.ts';
import { waitFor } from './wait.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export type KubectlResult = { code: number; stdout: string; stderr: string };
export type KubectlOptions = {
  /** Written to kubectl's stdin (e.g. a manifest for `apply -f -`). */
  input?: string;
  /** Namespace flag to add; default the test's namespace, `null` for none (cluster-scoped or -A). */
  namespace?: string | null;
  timeoutMs?: number;
};

export type TestCluster = {
  /** The cluster's state dir (logs/, pki/, env, kubeconfigs). */
  dir: string;
  /** Admin kubeconfig (user in system:masters). */
  kubeconfigPath: string;
  /** e.g. nats://127.0.0.1:41234; JetStream is enabled. */
  natsUrl: string;
  /** The kubectl built with the cluster (same version as the API server). */
  kubectlPath: string;
  /** The helm (v3) built with the cluster, for chart tests. */
  helmPath: string;
  /** Client config for @kubernetes/client-node, loaded from kubeconfigPath. */
  kc: KubeConfig;
  /** A fresh namespace for this call, with its `default` ServiceAccount already present. */
  namespace: string;
  /** Runs kubectl; never throws on a non-zero exit, so tests can assert on refusals. */
  kubectl(args: readonly string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** The log a Pod's container wrote through the process kubelet ('' before it has started). */
  podLog(podName: string, container?: string, namespace?: string): Promise<string>;
  /** Deletes the namespace (its objects go with it; the cluster keeps running for other suites). */
  cleanup(): Promise<void>;
};

export type WithClusterOptions = {
  /** Prefix of the namespace name (default "kt"); a random suffix is added. */
  namespacePrefix?: string;
};

/** The cluster dir, as test/cluster/lib.sh computes it. */
export function clusterDir(): string {
  const cache = process.env.KUBETUNE_CACHE ?? join(homedir(), '.cache', 'kubetune');
  return process.env.KUBETUNE_CLUSTER_DIR ?? join(cache, 'cluster');
}

const ClusterEnv = z.object({
  KUBECONFIG: z.string().min(1),
  NATS_URL: z.string().startsWith('nats://'),
  KUBETUNE_KUBECTL: z.string().min(1),
  KUBETUNE_HELM: z.string().min(1).optional(),
});
type ClusterEnv = z.infer<typeof ClusterEnv>;

function readEnvFile(path: string): ClusterEnv {
  const vars = Object.fromEntries(
    readFileSync(path, 'utf8').split('\n').map((l) => /^export ([A-Z_]+)=(.*)$/.exec(l.trim())).filter((m) => m !== null).map((m) => [m[1], m[2]]),
  );
  const parsed = ClusterEnv.safeParse(vars);
  if (!parsed.success) throw new Error(`${path} is not a valid cluster env file (${z.prettifyError(parsed.error)}); run: bash test/cluster/up.sh`);
  return parsed.data;
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: string, timeoutMs?: number): Promise<KubectlResult> {
  return new Promise((res, rej) => {
    const child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'], ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.once('error', (err) => rej(new Error(`cannot run ${file}: ${err.message}`)));
    child.once('close', (code, signal) => res({ code: code ?? 128 + (signal === null ? 0 : 9), stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

// Every component up.sh started is still alive (pid files are checked the way down.sh checks them).
function allRunning(dir: string): boolean {
  const runDir = join(dir, 'run');
  if (!existsSync(runDir)) return false;
  const pids = readdirSync(runDir).filter((f) => f.endsWith('.pid'));
  return pids.length === 5 && pids.every((f) => processAlive(Number(readFileSync(join(runDir, f), 'utf8').trim())));
}

let ready: Promise<ClusterEnv> | undefined;

/** Reuses the running cluster when healthy, otherwise runs up.sh (which builds on first use). */
async function ensureCluster(dir: string): Promise<ClusterEnv> {
  const envPath = join(dir, 'env');
  if (existsSync(envPath) && allRunning(dir)) {
    const env = readEnvFile(envPath);
    const r = await run(env.KUBETUNE_KUBECTL, ['get', '--raw', '/readyz'], { ...process.env, KUBECONFIG: env.KUBECONFIG }, undefined, 20_000);
    if (r.code === 0 && r.stdout.trim() === 'ok') return env;
  }
  const up = await new Promise<number>((res, rej) => {
    // stderr passes through so a first, slow build shows its progress.
    const child = spawn('bash', [join(repoRoot, 'test/cluster/up.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', rej);
    child.once('close', (code) => res(code ?? 1));
  });
  if (up !== 0) throw new Error(`test/cluster/up.sh exited ${up}; see its output above and the logs in ${join(dir, 'logs')}`);
  return readEnvFile(envPath);
}

/**
 * Gives a node:test suite the test cluster: reuses a running one or starts one with up.sh (the
 * first run on a machine builds the binaries, which takes minutes), and creates a fresh namespace.
 *
 * ```ts
 * let cluster: TestCluster;
 * before(async () => { cluster = await withCluster(); });
 * after(() => cluster.cleanup());
 * test('…', async () => {
 *   const r = await cluster.kubectl(['apply', '-f', '-'], { input: manifest });
 *   assert.equal(r.code, 0, r.stderr);
 * });
 * ```
 * The cluster is shared by every suite and stays up afterwards (`make cluster-down` stops it).
 * There is no scheduler: the process kubelet binds Pods itself. kube-controller-manager runs only
 * the garbage-collector, namespace, serviceaccount and root-CA publisher controllers (no Deployments,
 * Jobs, …). Details: docs/test-cluster.md.
 */
export async function withCluster(options: WithClusterOptions = {}): Promise<TestCluster> {
  const dir = clusterDir();
  ready ??= ensureCluster(dir);
  let env: ClusterEnv;
  try {
    env = await ready;
  } catch (err) {
    ready = undefined;
    throw err;
  }
  const kc = new KubeConfig();
  kc.loadFromFile(env.KUBECONFIG);
  const core = kc.makeApiClient(CoreV1Api);
  const prefix = options.namespacePrefix ?? 'kt';
  const namespace = `${prefix}-${randomBytes(4).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name: namespace, labels: { 'kubetune.io/test': 'true' } } } });
  // Pods are refused until the serviceaccount controller has made the namespace's default account.
  await waitFor(`ServiceAccount ${namespace}/default`, async () => (await core.readNamespacedServiceAccount({ name: 'default', namespace })) ?? undefined, { timeoutMs: 30_000 });

  const childEnv = { ...process.env, KUBECONFIG: env.KUBECONFIG };
  return {
    dir,
    kubeconfigPath: env.KUBECONFIG,
    natsUrl: env.NATS_URL,
    kubectlPath: env.KUBETUNE_KUBECTL,
    helmPath: env.KUBETUNE_HELM ?? join(dirname(env.KUBETUNE_KUBECTL), 'helm'),
    kc,
    namespace,
    kubectl: (args, opts = {}) => {
      const ns = opts.namespace === undefined ? namespace : opts.namespace;
      return run(env.KUBETUNE_KUBECTL, ns === null ? [...args] : [`--namespace=${ns}`, ...args], childEnv, opts.input, opts.timeoutMs ?? 60_000);
    },
    podLog: async (podName, container, ns = namespace) => {
      const pod = await core.readNamespacedPod({ name: podName, namespace: ns });
      const c = container ?? pod.spec?.containers[0]?.name ?? '';
      const path = podLogPath(dir, ns, podName, pod.metadata?.uid ?? '', c);
      return existsSync(path) ? readFileSync(path, 'utf8') : '';
    },
    cleanup: async () => {
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    },
  };
}
