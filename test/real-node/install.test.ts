// The install as a user does it, on the test cluster's real node (kubelet + containerd + runc):
// the images built by images/build.sh loaded into containerd, `helm install` of charts/kubetune with
// the bundled NATS, examples/iris-quickstart.yaml applied with only its image changed, trials run as
// containers, the controller Pod deleted mid-job and replaced by its Deployment, the job completes.
// Not part of `npm run test:integration` (it builds images and starts a node): `npm run test:real-node`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { waitFor } from '../cluster/wait.ts';
import { withCluster, type TestCluster } from '../cluster/with-cluster.ts';
import { freePort, realNodeValues } from './values.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const VERSION = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const IMAGES = {
  controller: `localhost/kubetune/kubetune:${VERSION}`,
  trainer: `localhost/kubetune/trainer:${VERSION}`,
  nats: 'localhost/kubetune/nats-server:debian-bookworm',
};
const REAL_NODE = 'kubetune-real-node';

/** Runs a repository script, its stderr passed through (builds are slow and say what they do). */
function script(path: string, args: readonly string[] = []): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn('bash', [join(repoRoot, path), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', rej);
    child.once('close', (code) => (code === 0 ? res() : rej(new Error(`${path} ${args.join(' ')} exited ${code}; see its output above`))));
  });
}

let cluster: TestCluster;
let apiPort: number;
// The release is named after the test's namespace: its ClusterRole and ClusterRoleBinding are cluster-wide.
const release = (): string => cluster.namespace;

before(async () => {
  cluster = await withCluster({ namespacePrefix: 'realnode' });
  await script('images/build.sh', ['controller', 'trainer-cpu', 'nats']);
  await script('test/cluster/real-node-up.sh');
  await script('test/cluster/real-node-load.sh', Object.values(IMAGES));
  apiPort = Number(new URL(cluster.kc.getCurrentCluster()?.server ?? '').port);
});

after(async () => {
  if (cluster === undefined) return;
  await cluster.kubectl(['delete', 'tuningjobs', '--all', '--wait=true', '--timeout=60s']);
  await helm(['uninstall', release(), '--namespace', cluster.namespace, '--wait', '--timeout', '120s']);
  await cluster.cleanup();
  // Pods on the real node must be gone before the node is: wait for the namespace's deletion.
  await waitFor(`namespace ${cluster.namespace} deleted`, async () => {
    const r = await cluster.kubectl(['get', 'namespace', cluster.namespace], { namespace: null });
    return r.code !== 0 ? true : undefined;
  }, { timeoutMs: 120_000 }).catch(() => undefined);
  await script('test/cluster/real-node-down.sh');
});

async function json<T>(args: readonly string[]): Promise<T> {
  const r = await cluster.kubectl([...args, '-o', 'json']);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
const pods = async (selector: string): Promise<V1Pod[]> => (await json<{ items: V1Pod[] }>(['get', 'pods', '-l', selector])).items;
type Job = { status?: { phase?: string; trials?: Record<string, number> } };
type Trial = { metadata: { name: string }; status?: { phase?: string } };

function helm(args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    const child = spawn(cluster.helmPath, args, { env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.once('error', (err) => res({ code: 1, out: `cannot run ${cluster.helmPath}: ${err.message}` }));
    child.once('close', (code) => res({ code: code ?? 1, out }));
  });
}

/** The last lines the controller containers logged, read from the real node's Pod log folder
 * (`kubectl logs` would need the API server to resolve the Node's name, and no DNS knows it). */
async function controllerLogs(): Promise<string> {
  const dir = join(cluster.dir, 'real-node/pod-logs');
  if (!existsSync(dir)) return '';
  return readdirSync(dir).filter((d) => d.startsWith(`${cluster.namespace}_`) && d.includes('-kubetune-controller-')).map((d) => {
    const c = join(dir, d, 'controller');
    const lines = existsSync(c) ? readdirSync(c).flatMap((f) => readFileSync(join(c, f), 'utf8').split('\n')) : [];
    return `--- ${d}\n${lines.slice(-40).join('\n')}`;
  }).join('\n');
}

test('helm install with bundled NATS on the real node; iris-quickstart succeeds on real containers, surviving a controller Pod deletion', async () => {
  const ns = cluster.namespace;
  const values = realNodeValues({
    namespace: ns, images: IMAGES, apiPort, metricsPort: await freePort(),
    nodeIP: '10.250.255.1', realNodeLabel: 'kubetune.io/real-node',
  });
  const dir = await mkdtemp(join(tmpdir(), 'kubetune-real-node-'));
  await writeFile(join(dir, 'values.yaml'), stringify(values));
  const installed = await helm(['install', release(), join(repoRoot, 'charts/kubetune'), '--namespace', ns,
    '-f', join(dir, 'values.yaml'), '--wait', '--timeout', '300s']);
  assert.equal(installed.code, 0, `helm install: ${installed.out}\n${await controllerLogs()}`);

  // The Deployment and the NATS StatefulSet are ready, their Pods on the real node as containers.
  for (const what of [`deployment/${release()}-kubetune-controller`, `statefulset/${release()}-kubetune-nats`]) {
    const r = await cluster.kubectl(['rollout', 'status', what, '--timeout=120s'], { timeoutMs: 130_000 });
    assert.equal(r.code, 0, `${what}: ${r.stdout}${r.stderr}`);
  }
  const [controller] = await pods('app.kubernetes.io/component=controller');
  assert.ok(controller, 'a controller Pod exists');
  assert.equal(controller.spec?.nodeName, REAL_NODE);
  assert.match(controller.status?.containerStatuses?.[0]?.containerID ?? '', /^containerd:\/\//);

  // The README's example, unchanged except for the image reference.
  const example = readFileSync(join(repoRoot, 'examples/iris-quickstart.yaml'), 'utf8');
  const manifest = example.replace('image: kubetune/trainer:0.1.0', `image: ${IMAGES.trainer}`);
  assert.notEqual(manifest, example, 'the example names the image kubetune/trainer:0.1.0');
  const applied = await cluster.kubectl(['apply', '-f', '-'], { input: manifest });
  assert.equal(applied.code, 0, applied.stderr);

  // Mid-job (two trials finished), delete the controller Pod; watch it terminate on SIGTERM.
  await waitFor('two finished trials', async () => {
    const j = await json<Job>(['get', 'tuningjob', 'iris-quickstart']);
    const t = j.status?.trials ?? {};
    return (t.succeeded ?? 0) + (t.earlyStopped ?? 0) + (t.failed ?? 0) >= 2 ? true : undefined;
  }, { timeoutMs: 300_000, intervalMs: 1000 });
  const old = controller.metadata?.name ?? '';
  const watch = spawn(cluster.kubectlPath, ['--namespace', ns, 'get', 'pod', old, '--watch', '--output',
    'jsonpath={.status.containerStatuses[0].state.terminated.exitCode}{"\\n"}'], { env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath } });
  let watched = '';
  watch.stdout.on('data', (d: Buffer) => { watched += d.toString(); });
  const deleted = await cluster.kubectl(['delete', 'pod', old, '--timeout=120s'], { timeoutMs: 130_000 });
  assert.equal(deleted.code, 0, deleted.stderr);
  watch.kill();
  const exitCodes = watched.split('\n').filter((l) => l.trim() !== '').map(Number);
  assert.ok(exitCodes.length > 0, `the kubelet reported the old controller's container as terminated (watch saw: ${JSON.stringify(watched)})`);
  // 137 would be the SIGKILL after the grace period: Node as PID 1 must handle SIGTERM itself.
  assert.ok(!exitCodes.includes(137), `the controller exited on SIGTERM, not by SIGKILL (exit codes ${exitCodes.join(',')})`);

  const replacement = await waitFor('a replacement controller Pod Ready', async () => {
    const p = (await pods('app.kubernetes.io/component=controller')).find((x) => x.metadata?.name !== old
      && x.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return p;
  }, { timeoutMs: 180_000, intervalMs: 1000 });
  assert.equal(replacement.spec?.nodeName, REAL_NODE);

  const job = await waitFor('iris-quickstart finished', async () => {
    const j = await json<Job>(['get', 'tuningjob', 'iris-quickstart']);
    return j.status?.phase === 'Succeeded' || j.status?.phase === 'Failed' ? j : undefined;
  }, { timeoutMs: 600_000, intervalMs: 2000 }).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\n${await controllerLogs()}`);
  });
  assert.equal(job.status?.phase, 'Succeeded', `${JSON.stringify(job.status)}\n${await controllerLogs()}`);
  assert.equal(job.status?.trials?.failed ?? 0, 0, JSON.stringify(job.status?.trials));

  // Every trial ran as a container on the real node, as the image's non-root user.
  const trialPods = await pods('kubetune.io/job=iris-quickstart');
  assert.ok(trialPods.length > 0, 'trial Pods are kept after the job');
  for (const p of trialPods) {
    assert.equal(p.spec?.nodeName, REAL_NODE, `${p.metadata?.name} ran on the real node`);
    const cs = p.status?.containerStatuses?.[0];
    assert.match(cs?.containerID ?? '', /^containerd:\/\//, `${p.metadata?.name} ran as a container`);
  }
  const uids = await containerUids(trialPods);
  assert.ok(uids.size > 0 && [...uids].every((u) => u === 65532), `trial containers ran as uid 65532 (saw ${[...uids].join(',')})`);

  // An early-stopped trial's container got the stop request over NATS and exited by itself (0).
  const trials = (await json<{ items: Trial[] }>(['get', 'trials'])).items;
  const stopped = trials.filter((t) => t.status?.phase === 'EarlyStopped').map((t) => t.metadata.name);
  assert.ok(stopped.length > 0, `ASHA stopped some trials early: ${JSON.stringify(job.status?.trials)}`);
  const exitedClean = trialPods.filter((p) => stopped.includes(p.metadata?.name ?? '')
    && p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode === 0);
  assert.ok(exitedClean.length > 0, `an early-stopped trial's container exited 0 on the stop request: ${JSON.stringify(
    trialPods.filter((p) => stopped.includes(p.metadata?.name ?? '')).map((p) => [p.metadata?.name, p.status?.containerStatuses?.[0]?.state]))}`);
});

// The trial's whole program: a few epochs written as key=value lines to a file, one of them malformed,
// with no SDK; node is what the trainer image has (it has no shell, so kind stdout's wrapper cannot run there).
const FILE_TRIAL = [
  'const fs = require("node:fs");',
  'const x = Number(process.argv[1]);',
  'for (let epoch = 1; epoch <= 3; epoch++) fs.appendFileSync("/metrics/out.log", `epoch=${epoch} loss=${x / epoch}\\n`);',
  'fs.appendFileSync("/metrics/out.log", "epoch=4 loss=not-a-number\\n");',
].join(' ');

test('a trial that only writes key=value lines to a file is tuned on the real node through the collector sidecar', async () => {
  const manifest = {
    apiVersion: 'kubetune.io/v1alpha1',
    kind: 'TuningJob',
    metadata: { name: 'collector-file' },
    spec: {
      objective: { metric: 'loss', direction: 'minimize' },
      parameters: [{ name: 'x', type: 'discrete', values: [1, 2] }],
      search: { algorithm: 'grid' },
      budget: { maxTrials: 2, parallelTrials: 2 },
      metricsCollector: { kind: 'file', path: '/metrics/out.log', format: 'keyvalue' },
      trialTemplate: { spec: { containers: [{ name: 'trial', image: IMAGES.trainer, command: ['node', '-e', FILE_TRIAL, '${params.x}'] }] } },
    },
  };
  const applied = await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
  assert.equal(applied.code, 0, applied.stderr);
  const job = await waitFor('collector-file finished', async () => {
    const j = await json<Job>(['get', 'tuningjob', 'collector-file']);
    return j.status?.phase === 'Succeeded' || j.status?.phase === 'Failed' ? j : undefined;
  }, { timeoutMs: 300_000, intervalMs: 2000 }).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\n${await controllerLogs()}`);
  });
  assert.equal(job.status?.phase, 'Succeeded', `${JSON.stringify(job.status)}\n${await controllerLogs()}`);
  type Curved = { metadata: { name: string }; spec?: { params?: { x?: number } }; status?: { curve?: { step: number; value: number }[]; metrics?: Record<string, number> } };
  const trials = (await json<{ items: Curved[] }>(['get', 'trials', '-l', 'kubetune.io/job=collector-file'])).items;
  assert.equal(trials.length, 2);
  for (const t of trials) {
    const x = Number(t.spec?.params?.x);
    // Every line the trial wrote is in its curve, once; the malformed one is counted, not fatal.
    assert.deepEqual(t.status?.curve?.map((p) => [p.step, p.value]), [[1, x], [2, x / 2], [3, x / 3]], `${t.metadata.name}: ${JSON.stringify(t.status)}`);
    assert.equal(t.status?.metrics?.collector_malformed_lines, 1, JSON.stringify(t.status?.metrics));
  }
  // The collector ran as a native sidecar container beside the trial's, on the real node.
  const [pod] = await pods('kubetune.io/job=collector-file');
  assert.equal(pod?.spec?.nodeName, REAL_NODE);
  assert.ok(pod?.spec?.initContainers?.some((c) => c.restartPolicy === 'Always'), 'the collector is a native sidecar');
  assert.match(pod?.status?.initContainerStatuses?.[0]?.containerID ?? '', /^containerd:\/\//);
});

/** The uids the trial containers' OCI specs run as, read from the real node's containerd. */
async function containerUids(trialPods: V1Pod[]): Promise<Set<number>> {
  const sock = join(cluster.dir, 'real-node/containerd/containerd.sock');
  const uids = new Set<number>();
  for (const p of trialPods) {
    const id = (p.status?.containerStatuses?.[0]?.containerID ?? '').replace('containerd://', '');
    if (id === '') continue;
    const out = await new Promise<string>((res, rej) => {
      const child = spawn('ctr', ['--address', sock, '--namespace', 'k8s.io', 'containers', 'info', id]);
      let s = '';
      child.stdout.on('data', (d: Buffer) => { s += d.toString(); });
      child.once('error', rej);
      child.once('close', (code) => (code === 0 ? res(s) : rej(new Error(`ctr containers info ${id} exited ${code}`))));
    });
    const info = JSON.parse(out) as { Spec?: { process?: { user?: { uid?: number } } } };
    uids.add(info.Spec?.process?.user?.uid ?? -1);
  }
  return uids;
}
