// The test cluster itself: API server health, a Ready node, RBAC enforced, garbage collection and
// namespace deletion (kube-controller-manager), and NATS with JetStream.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { CoreV1Api } from '@kubernetes/client-node';
import { withCluster, type TestCluster } from '../cluster/with-cluster.ts';
import { waitFor } from '../cluster/wait.ts';

let cluster: TestCluster;
before(async () => { cluster = await withCluster({ namespacePrefix: 'basics' }); });
after(() => cluster.cleanup());

test('the API server is ready and the process kubelet Node is Ready', async () => {
  const r = await cluster.kubectl(['get', '--raw', '/readyz'], { namespace: null });
  assert.equal(r.stdout.trim(), 'ok', r.stderr);
  const node = await cluster.kc.makeApiClient(CoreV1Api).readNode({ name: 'kubetune-node' });
  assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  assert.equal(node.spec?.taints, undefined, 'the not-ready taint was cleared');
});

test('RBAC is enforced: a user with no bindings is forbidden, the kubelet only has its role', async () => {
  const stranger = await cluster.kubectl(['get', 'pods', '--as=stranger']);
  assert.notEqual(stranger.code, 0);
  assert.match(stranger.stderr, /forbidden: User "stranger" cannot list resource "pods"/);
  const kubelet = await cluster.kubectl(['auth', 'can-i', 'create', 'secrets', '--as=kubetune:process-kubelet', '--as-group=kubetune:process-kubelets']);
  assert.equal(kubelet.stdout.trim(), 'no');
  const bind = await cluster.kubectl(['auth', 'can-i', 'create', 'pods', '--subresource=binding', '--as=kubetune:process-kubelet', '--as-group=kubetune:process-kubelets']);
  assert.equal(bind.stdout.trim(), 'yes');
});

test('garbage collection deletes objects whose owner is deleted', async () => {
  const core = cluster.kc.makeApiClient(CoreV1Api);
  const ns = cluster.namespace;
  const owner = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'owner' } } });
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'dependent', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata?.uid ?? '' }] } },
  });
  await core.deleteNamespacedConfigMap({ name: 'owner', namespace: ns });
  await waitFor('dependent ConfigMap garbage-collected', async () => {
    try {
      await core.readNamespacedConfigMap({ name: 'dependent', namespace: ns });
      return undefined;
    } catch (err) {
      return (err as { code?: number }).code === 404 ? true : undefined;
    }
  });
});

test('a deleted namespace is finalized (the namespace controller runs)', async () => {
  const r = await cluster.kubectl(['create', 'namespace', `${cluster.namespace}-tmp`], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
  const d = await cluster.kubectl(['delete', 'namespace', `${cluster.namespace}-tmp`, '--wait=true', '--timeout=60s'], { namespace: null });
  assert.equal(d.code, 0, d.stderr);
});

test('NATS is up with JetStream enabled', async () => {
  const nc = await connect({ servers: cluster.natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.getAccountInfo();
    assert.equal(typeof info.limits.max_storage, 'number');
    const name = `T_${cluster.namespace.replaceAll('-', '_')}`;
    await jsm.streams.add({ name, subjects: [`test.${cluster.namespace}.>`] });
    await jsm.streams.delete(name);
  } finally {
    await nc.close();
  }
});
