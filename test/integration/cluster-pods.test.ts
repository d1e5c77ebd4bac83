// The process kubelet against the real API server: Pods run as local processes and report status
// the way a kubelet does (phases, exit codes, restarts), and deletion stops the process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { withCluster, type TestCluster } from '../cluster/with-cluster.ts';
import { processAlive } from '../cluster/proc-alive.ts';
import { waitFor } from '../cluster/wait.ts';

let cluster: TestCluster;
let core: CoreV1Api;
const scratch = mkdtempSync(join(tmpdir(), 'kubetune-pods-'));

before(async () => {
  cluster = await withCluster({ namespacePrefix: 'pods' });
  core = cluster.kc.makeApiClient(CoreV1Api);
});
after(() => cluster.cleanup());

type PodOpts = { restartPolicy?: string; image?: string; env?: Record<string, string>; grace?: number; command?: string[] };

async function createPod(name: string, script: string, o: PodOpts = {}): Promise<void> {
  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      restartPolicy: o.restartPolicy ?? 'Never',
      ...(o.grace === undefined ? {} : { terminationGracePeriodSeconds: o.grace }),
      containers: [{
        name: 'main', image: o.image ?? 'busybox:1.36',
        command: o.command ?? ['sh', '-c', script],
        env: [
          ...Object.entries(o.env ?? {}).map(([k, v]) => ({ name: k, value: v })),
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ],
      }],
    },
  };
  const r = await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) });
  assert.equal(r.code, 0, r.stderr);
}

const readPod = (name: string): Promise<V1Pod> => core.readNamespacedPod({ name, namespace: cluster.namespace });

function waitPhase(name: string, phase: string): Promise<V1Pod> {
  return waitFor(`pod ${name} phase ${phase}`, async () => {
    const p = await readPod(name);
    return p.status?.phase === phase ? p : undefined;
  });
}

test('a Pod runs to Succeeded with its env, node, times and log', async () => {
  await createPod('ok', 'echo "hello $POD_NAME $GREETING"', { env: { GREETING: 'from-env' } });
  const pod = await waitPhase('ok', 'Succeeded');
  assert.equal(pod.spec?.nodeName, 'kubetune-node', 'bound by the process kubelet');
  const cs = pod.status?.containerStatuses?.[0];
  assert.equal(cs?.state?.terminated?.exitCode, 0);
  assert.equal(cs?.state?.terminated?.reason, 'Completed');
  assert.ok(cs?.state?.terminated?.finishedAt, 'finishedAt set');
  assert.ok(pod.status?.startTime, 'startTime set');
  assert.equal(pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
  assert.equal(await cluster.podLog('ok'), 'hello ok from-env\n');
});

test('a Pod whose process exits non-zero is Failed with that exit code', async () => {
  await createPod('fails', 'echo boom >&2; exit 3');
  const pod = await waitPhase('fails', 'Failed');
  const cs = pod.status?.containerStatuses?.[0];
  assert.equal(cs?.state?.terminated?.exitCode, 3);
  assert.equal(cs?.state?.terminated?.reason, 'Error');
  assert.equal(cs?.restartCount, 0, 'restartPolicy Never does not restart');
  assert.equal(await cluster.podLog('fails'), 'boom\n');
});

test('restartPolicy OnFailure restarts a failing container until it succeeds', async () => {
  const counter = join(scratch, 'onfailure-count');
  await createPod('flaky', 'n=$(cat "$COUNTER" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$COUNTER"; echo "attempt $n"; [ $n -ge 3 ]', {
    restartPolicy: 'OnFailure', env: { COUNTER: counter },
  });
  const pod = await waitPhase('flaky', 'Succeeded');
  const cs = pod.status?.containerStatuses?.[0];
  assert.equal(cs?.restartCount, 2);
  assert.equal(cs?.lastState?.terminated?.exitCode, 1);
  assert.equal(cs?.state?.terminated?.exitCode, 0);
  assert.equal(await cluster.podLog('flaky'), 'attempt 1\nattempt 2\nattempt 3\n');
});

test('restartPolicy Always restarts even a container that exits 0, and the Pod stays Running', async () => {
  await createPod('always', 'exit 0', { restartPolicy: 'Always' });
  const pod = await waitFor('pod always restarted twice', async () => {
    const p = await readPod('always');
    return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 ? p : undefined;
  });
  assert.equal(pod.status?.phase, 'Running');
  assert.equal(pod.status?.containerStatuses?.[0]?.lastState?.terminated?.reason, 'Completed');
});

test('deleting a running Pod stops its process, then the Pod is gone', async () => {
  const pidFile = join(scratch, 'running.pid');
  // `$$$$`: in command/args Kubernetes turns `$$` into `$`, so the shell sees `$$` (its pid).
  await createPod('sleeper', 'echo $$$$ > "$PIDFILE"; exec sleep 300', { env: { PIDFILE: pidFile } });
  await waitPhase('sleeper', 'Running');
  const pid = await waitFor('pid file', () => (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()) || undefined);
  assert.ok(processAlive(Number(pid)), 'the Pod is a live local process');
  const r = await cluster.kubectl(['delete', 'pod', 'sleeper', '--wait=true', '--timeout=60s']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(processAlive(Number(pid)), false, 'SIGTERM ended the process before the Pod was removed');
  await assert.rejects(readPod('sleeper'), (err: { code?: number }) => err.code === 404);
});

test('a process that ignores SIGTERM is killed after the grace period', async () => {
  const pidFile = join(scratch, 'stubborn.pid');
  await createPod('stubborn', 'trap "" TERM; echo $$$$ > "$PIDFILE"; while :; do sleep 0.2; done', { env: { PIDFILE: pidFile }, grace: 1 });
  await waitPhase('stubborn', 'Running');
  const pid = Number(await waitFor('pid file', () => (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()) || undefined));
  assert.ok(processAlive(pid), 'the Pod is a live local process');
  const r = await cluster.kubectl(['delete', 'pod', 'stubborn', '--wait=true', '--timeout=60s']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(processAlive(pid), false, 'SIGKILL followed the 1 s grace period');
});

test('the trainer image maps to the repo: node_modules/.bin on PATH and the repo as working dir', async () => {
  await createPod('trainer-map', '', {
    image: 'kubetune/trainer:dev',
    command: ['node', '-e', 'console.log(process.version.split(".")[0], require("node:fs").existsSync("package.json"))'],
  });
  await waitPhase('trainer-map', 'Succeeded');
  assert.equal(await cluster.podLog('trainer-map'), 'v22 true\n');
});

test('a container whose image is unknown and has no command waits with a reason saying how to fix it', async () => {
  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unmapped' },
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'example.com/unknown:1' }] },
  };
  assert.equal((await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) })).code, 0);
  const waiting = await waitFor('unmapped pod waiting reason', async () => (await readPod('unmapped')).status?.containerStatuses?.[0]?.state?.waiting);
  assert.equal(waiting.reason, 'CreateContainerConfigError');
  assert.match(waiting.message ?? '', /not in the process kubelet's image table/);
  assert.equal((await readPod('unmapped')).status?.phase, 'Pending');
});

test('a Pod waiting for a missing ConfigMap starts once the ConfigMap exists', async () => {
  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'needs-config' },
    spec: {
      restartPolicy: 'Never',
      containers: [{
        name: 'main', image: 'busybox', command: ['sh', '-c', 'echo "lr=$LR"'],
        env: [{ name: 'LR', valueFrom: { configMapKeyRef: { name: 'later', key: 'lr' } } }],
      }],
    },
  };
  assert.equal((await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) })).code, 0);
  const waiting = await waitFor('needs-config waiting', async () => (await readPod('needs-config')).status?.containerStatuses?.[0]?.state?.waiting);
  assert.equal(waiting.reason, 'CreateContainerConfigError');
  assert.match(waiting.message ?? '', /key "lr" of ConfigMap "later" not found/);
  const r = await cluster.kubectl(['create', 'configmap', 'later', '--from-literal=lr=0.01']);
  assert.equal(r.code, 0, r.stderr);
  await waitPhase('needs-config', 'Succeeded');
  assert.equal(await cluster.podLog('needs-config'), 'lr=0.01\n');
});
