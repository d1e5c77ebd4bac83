// A second process kubelet, started and stopped by this test, proves that Pods survive a kubelet
// restart as a real kubelet's would: processes lost while it was down count as exited (137) and are
// restarted or finished per restartPolicy. It does not bind Pods; the test names its node directly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { withCluster, type TestCluster } from '../cluster/with-cluster.ts';
import { processAlive } from '../cluster/proc-alive.ts';
import { waitFor } from '../cluster/wait.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const scratch = mkdtempSync(join(tmpdir(), 'kubetune-restart-'));
let cluster: TestCluster;
let core: CoreV1Api;
let node: string;
let kubelet: ChildProcess | undefined;

function startKubelet(): void {
  const log = openSync(join(cluster.dir, 'logs', `kubelet-${node}.log`), 'a');
  kubelet = spawn(process.execPath, [join(repoRoot, 'test/cluster/kubelet/main.ts')], {
    env: {
      ...process.env, KUBECONFIG: join(cluster.dir, 'kubelet.kubeconfig'), KUBETUNE_NODE_NAME: node,
      KUBETUNE_KUBELET_DIR: cluster.dir, KUBETUNE_KUBELET_BIND: 'false', KUBETUNE_KUBELET_BACKOFF_MS: '100',
    },
    stdio: ['ignore', log, log],
  });
}

async function stopKubelet(): Promise<void> {
  if (kubelet === undefined || kubelet.exitCode !== null) return;
  const exited = once(kubelet, 'exit');
  kubelet.kill('SIGTERM');
  await exited;
  kubelet = undefined;
}

const readPod = (name: string): Promise<V1Pod> => core.readNamespacedPod({ name, namespace: cluster.namespace });

async function createPod(name: string, restartPolicy: string): Promise<number> {
  const pidFile = join(scratch, `${name}.pid`);
  await core.createNamespacedPod({
    namespace: cluster.namespace,
    body: {
      metadata: { name },
      spec: {
        nodeName: node, restartPolicy,
        containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo $$$$ > "$PIDFILE"; exec sleep 300'], env: [{ name: 'PIDFILE', value: pidFile }] }],
      },
    },
  });
  await waitFor(`${name} Running`, async () => ((await readPod(name)).status?.phase === 'Running' ? true : undefined));
  return Number(await waitFor(`${name} pid`, () => (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()) || undefined));
}

before(async () => {
  cluster = await withCluster({ namespacePrefix: 'restart' });
  core = cluster.kc.makeApiClient(CoreV1Api);
  node = `${cluster.namespace}-node`;
  startKubelet();
  await waitFor(`node ${node} Ready`, async () => {
    const n = await core.readNode({ name: node });
    return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? true : undefined;
  });
});

after(async () => {
  // Delete the Pods while their kubelet still runs, or they would stay Terminating forever.
  if (kubelet === undefined) startKubelet();
  await cluster.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s']);
  await stopKubelet();
  await core.deleteNode({ name: node }).catch(() => undefined);
  await cluster.cleanup();
});

test('after a kubelet restart, lost processes are restarted (OnFailure) or the Pod fails (Never)', async () => {
  const survivorPid = await createPod('survivor', 'OnFailure');
  const casualtyPid = await createPod('casualty', 'Never');

  await stopKubelet();
  assert.equal(processAlive(survivorPid), false, 'a stopping kubelet stops its Pods\' processes');
  assert.equal(processAlive(casualtyPid), false);
  assert.equal((await readPod('survivor')).status?.phase, 'Running', 'the API still shows the last reported state');

  startKubelet();
  const survivor = await waitFor('survivor restarted', async () => {
    const p = await readPod('survivor');
    const cs = p.status?.containerStatuses?.[0];
    return cs?.restartCount === 1 && cs.state?.running ? p : undefined;
  });
  assert.equal(survivor.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 137);
  const casualty = await waitFor('casualty Failed', async () => {
    const p = await readPod('casualty');
    return p.status?.phase === 'Failed' ? p : undefined;
  });
  assert.equal(casualty.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 137);

  const newPid = Number(await waitFor('survivor new pid', () => {
    const pid = readFileSync(join(scratch, 'survivor.pid'), 'utf8').trim();
    return pid !== String(survivorPid) && pid !== '' ? pid : undefined;
  }));
  assert.ok(processAlive(newPid), 'the restarted container is a live process');
  const d = await cluster.kubectl(['delete', 'pod', 'survivor', '--wait=true', '--timeout=60s']);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(processAlive(newPid), false);
});
