// The Helm chart against the test cluster's API server: every rendered object of every variant passes a
// server-side dry run, and a real install/upgrade/uninstall keeps the NATS passwords and grants exactly
// the RBAC the controller needs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { withCluster, type TestCluster } from '../cluster/with-cluster.ts';
import { SERVICE_MONITOR_API, VARIANTS, chartDir, helm, render } from '../chart/helm.ts';

let cluster: TestCluster;
let createdServiceMonitorCrd = false;

// A minimal stand-in for prometheus-operator's CRD, so a ServiceMonitor can be dry-run (only its kind matters here).
const SERVICE_MONITOR_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    names: { kind: 'ServiceMonitor', listKind: 'ServiceMonitorList', plural: 'servicemonitors', singular: 'servicemonitor' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

before(async () => {
  cluster = await withCluster({ namespacePrefix: 'chart' });
  const exists = await cluster.kubectl(['get', 'crd', SERVICE_MONITOR_CRD.metadata.name], { namespace: null });
  if (exists.code !== 0) {
    const r = await cluster.kubectl(['create', '-f', '-'], { namespace: null, input: JSON.stringify(SERVICE_MONITOR_CRD) });
    assert.equal(r.code, 0, r.stderr);
    createdServiceMonitorCrd = true;
    const w = await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', `crd/${SERVICE_MONITOR_CRD.metadata.name}`], { namespace: null });
    assert.equal(w.code, 0, w.stderr);
  }
});

after(async () => {
  if (createdServiceMonitorCrd) await cluster?.kubectl(['delete', 'crd', SERVICE_MONITOR_CRD.metadata.name, '--wait=false'], { namespace: null });
  await cluster?.cleanup();
});

test('every object of every variant (CRDs included) is accepted by the API server in a server-side dry run', async () => {
  for (const v of VARIANTS) {
    const { yaml, objects } = await render(v, { release: 'kt', namespace: cluster.namespace, includeCrds: true });
    assert.ok(objects.length >= 10, `${v.name}: rendered ${objects.length} objects`);
    const r = await cluster.kubectl(['apply', '--dry-run=server', '-o', 'name', '-f', '-'], { namespace: null, input: yaml });
    assert.equal(r.code, 0, `${v.name}: ${r.stderr}`);
    const accepted = r.stdout.trim().split('\n');
    assert.equal(accepted.length, objects.length, `${v.name}: the API server accepted ${accepted.length} of ${objects.length} objects:\n${r.stdout}`);
    if (v.apiVersions.includes(SERVICE_MONITOR_API)) assert.ok(accepted.some((n) => n.startsWith('servicemonitor.monitoring.coreos.com/')), r.stdout);
  }
});

test('helm install, upgrade and uninstall on the cluster: passwords kept, RBAC least-privilege', async () => {
  const ns = cluster.namespace;
  const release = `kt${randomBytes(3).toString('hex')}`;
  const sa = `system:serviceaccount:${ns}:${release}-kubetune`;
  const kubeconfig = cluster.kubeconfigPath;
  const installed = await helm(['install', release, chartDir, '--namespace', ns, '--set', 'nats.mode=bundled', '--set', 'metrics.serviceMonitor.enabled=true'], { kubeconfig });
  try {
    assert.equal(installed.code, 0, installed.stderr);
    assert.match(installed.stdout, /STATUS: deployed/);
    // The cluster serves the ServiceMonitor CRD now, so the Capabilities gate lets it through.
    assert.equal((await cluster.kubectl(['get', `servicemonitor/${release}-kubetune-controller`])).code, 0);
    const password = async (key: string) => (await cluster.kubectl(['get', `secret/${release}-kubetune-nats-auth`, '-o', `jsonpath={.data.${key}}`])).stdout;
    const before = { controller: await password('controller-password'), trainer: await password('trainer-password') };
    const signingKey = async () => (await cluster.kubectl(['get', `secret/${release}-kubetune-signing-key`, '-o', 'jsonpath={.data.signing-key}'])).stdout;
    const keyBefore = await signingKey();
    assert.match(Buffer.from(keyBefore, 'base64').toString(), /^[A-Za-z0-9]{64}$/);
    assert.match(Buffer.from(before.controller, 'base64').toString(), /^[A-Za-z0-9]{32}$/);

    const upgraded = await helm(['upgrade', release, chartDir, '--namespace', ns, '--reuse-values', '--set', 'controller.logLevel=debug'], { kubeconfig });
    assert.equal(upgraded.code, 0, upgraded.stderr);
    assert.deepEqual({ controller: await password('controller-password'), trainer: await password('trainer-password') }, before, 'an upgrade must not rotate the NATS passwords');
    assert.equal(await signingKey(), keyBefore, 'an upgrade must not rotate the signing key (running trials keep their keys)');
    const level = await cluster.kubectl(['get', `deploy/${release}-kubetune-controller`, '-o', 'jsonpath={.spec.template.spec.containers[0].env[?(@.name=="KUBETUNE_LOG_LEVEL")].value}']);
    assert.equal(level.stdout, 'debug');

    const can = async (verb: string, resource: string, namespace: string | null, subresource?: string) =>
      (await cluster.kubectl(['auth', 'can-i', verb, resource, `--as=${sa}`, ...(subresource ? [`--subresource=${subresource}`] : []), ...(namespace === null ? ['--all-namespaces'] : [])], { namespace })).stdout.trim();
    assert.equal(await can('create', 'pods', 'default'), 'yes');
    assert.equal(await can('watch', 'tuningjobs.kubetune.io', null), 'yes');
    assert.equal(await can('patch', 'tuningjobs.kubetune.io', 'default', 'status'), 'yes');
    assert.equal(await can('patch', 'tuningjobs.kubetune.io', 'default'), 'no', 'only the status, never the spec');
    assert.equal(await can('create', 'trials.kubetune.io', 'default'), 'yes');
    assert.equal(await can('update', 'leases.coordination.k8s.io', ns), 'yes');
    assert.equal(await can('update', 'leases.coordination.k8s.io', 'default'), 'no');
    assert.equal(await can('get', 'secrets', ns), 'no');
    assert.equal(await can('list', 'secrets', 'default'), 'no');
    assert.equal(await can('create', 'secrets', 'default'), 'yes', 'trial key Secrets');
    assert.equal(await can('delete', 'tuningjobs.kubetune.io', 'default'), 'no');
    assert.equal(await can('update', 'tuningjobs.kubetune.io', 'default'), 'no');
    assert.equal(await can('create', 'deployments.apps', ns), 'no');
  } finally {
    const removed = await helm(['uninstall', release, '--namespace', ns, '--wait'], { kubeconfig });
    assert.equal(removed.code, 0, removed.stderr);
  }
  assert.notEqual((await cluster.kubectl(['get', `deploy/${release}-kubetune-controller`])).code, 0, 'uninstall removes the controller');
  assert.equal((await cluster.kubectl(['get', `clusterrole/${release}-kubetune-controller`], { namespace: null })).code, 1, 'uninstall removes the ClusterRole');
  assert.equal((await cluster.kubectl(['get', `secret/${release}-kubetune-nats-auth`])).code, 0, 'the NATS passwords outlive the release (helm.sh/resource-policy: keep)');
  assert.equal((await cluster.kubectl(['get', `secret/${release}-kubetune-signing-key`])).code, 0, 'the signing key outlives the release, so a reinstall keeps trials\' keys valid');
});
