// The Helm chart without a cluster: lint and template for every variant, the rendered objects' shape
// (security, RBAC, NATS wiring, ServiceMonitor gating), schema refusals, CRDs, and the bundled NATS
// config run by a real nats-server with its users' permissions checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { parse } from 'yaml';
import { crdFiles } from '../../controller/src/api/crds/definitions.ts';
import { freePort } from '../nats-server.ts';
import { startIngest, type Ingest } from '../../controller/src/ingest/consumer.ts';
import { connectNats, natsOptions } from '../../controller/src/ingest/nats.ts';
import { createLogger } from '../../controller/src/telemetry/log.ts';
import { createMetrics } from '../../controller/src/telemetry/metrics.ts';
import { KUBE_VERSION, VARIANTS, chartDir, find, helm, render, type K8sObject, type Variant } from '../chart/helm.ts';

type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type Container = { name: string; image: string; env?: Env[]; securityContext?: Record<string, unknown>; livenessProbe?: { httpGet?: { path: string; port: string } }; readinessProbe?: { httpGet?: { path: string; port: string } }; resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> }; volumeMounts?: { name: string; mountPath: string }[] };
type PodSpec = { serviceAccountName?: string; securityContext?: Record<string, unknown>; containers: Container[]; volumes?: { name: string; secret?: { secretName: string; items?: { key: string }[] } }[] };

const variant = (name: string): Variant => {
  const v = VARIANTS.find((x) => x.name === name);
  if (!v) throw new Error(`no chart variant ${name}`);
  return v;
};
const podSpec = (o: K8sObject): PodSpec => (o as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
const controller = (objects: K8sObject[]): Container => {
  const c = podSpec(find(objects, 'Deployment', '-controller')).containers[0];
  assert.ok(c, 'the Deployment has no container');
  return c;
};
const env = (c: Container, name: string): Env | undefined => c.env?.find((e) => e.name === name);

test('helm lint --strict passes for every variant', async () => {
  for (const v of VARIANTS) {
    const r = await helm(['lint', '--strict', chartDir, '--kube-version', KUBE_VERSION, '-f', '-'], { input: JSON.stringify(v.values) });
    assert.equal(r.code, 0, `${v.name}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  }
});

test('every variant renders the expected kinds of objects', async () => {
  const kinds = async (name: string) => (await render(variant(name))).objects.map((o) => o.kind).sort();
  const base = ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'ConfigMap', 'Deployment', 'Role', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount'];
  assert.deepEqual(await kinds('default'), base);
  assert.deepEqual(await kinds('bundled-nats'), [...base, 'ConfigMap', 'Secret', 'Service', 'StatefulSet'].sort());
  assert.deepEqual(await kinds('service-monitor'), [...base, 'ServiceMonitor'].sort());
  assert.deepEqual(await kinds('external-nats'), [...base, 'Secret'].sort());
});

test('the controller runs non-root on a read-only root filesystem, with probes and resources', async () => {
  const { objects } = await render(variant('default'));
  const spec = podSpec(find(objects, 'Deployment', '-controller'));
  assert.equal(spec.securityContext?.runAsNonRoot, true);
  assert.equal(spec.serviceAccountName, find(objects, 'ServiceAccount').metadata.name);
  const c = controller(objects);
  assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext?.capabilities, { drop: ['ALL'] });
  assert.deepEqual(c.livenessProbe?.httpGet, { path: '/healthz', port: 'metrics' });
  assert.deepEqual(c.readinessProbe?.httpGet, { path: '/readyz', port: 'metrics' });
  assert.ok(c.resources?.requests?.cpu !== undefined && c.resources.limits?.memory !== undefined, 'controller resources are set');
  // A read-only root needs a writable /tmp.
  assert.ok(c.volumeMounts?.some((m) => m.mountPath === '/tmp'));
  assert.equal(env(c, 'KUBETUNE_LEASE_NAME')?.value, 'kubetune-controller');
  assert.deepEqual(env(c, 'POD_NAMESPACE')?.valueFrom, { fieldRef: { fieldPath: 'metadata.namespace' } });
  assert.equal(env(c, 'KUBETUNE_NAMESPACES'), undefined, 'all namespaces by default');
  assert.deepEqual((c as unknown as { args: string[] }).args, ['controller', '--lease-duration=15', '--lease-renew=5', '--lease-retry=2', '--workers=4', '--stop-grace=30', '--settle=10', '--unhealthy-after=60', '--stream-max-age=604800', '--stream-max-bytes=1073741824', '--stream-max-msgs-per-subject=10000']);
  assert.equal(env(c, 'KUBETUNE_NATS_URL')?.value, 'nats://nats:4222');
  assert.equal(env(c, 'KUBETUNE_STARTUP_TIMEOUT')?.value, '120', 'a controller that cannot reach the API server or NATS exits, so Kubernetes shows it');
});

test('RBAC grants only what the controller uses: Secrets create-only, no wildcards, Leases in its own namespace', async () => {
  const { objects } = await render(variant('default'));
  const rules = (find(objects, 'ClusterRole') as unknown as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }).rules;
  const grants = rules.flatMap((r) => r.resources.map((res) => `${r.apiGroups[0] ?? ''}/${res}: ${[...r.verbs].sort().join(',')}`)).sort();
  assert.deepEqual(grants, [
    '/events: create',
    '/pods: create,delete,get,list,watch',
    '/secrets: create',
    'batch/jobs: create,delete,get,list,watch',
    'kubetune.io/trials/finalizers: update',
    'kubetune.io/trials/status: get,patch,update',
    'kubetune.io/trials: create,get,list,watch',
    'kubetune.io/tuningjobs/finalizers: update',
    'kubetune.io/tuningjobs/status: get,patch,update',
    'kubetune.io/tuningjobs: get,list,watch',
  ].sort());
  const role = find(objects, 'Role', '-leader-election') as unknown as { metadata: { namespace: string }; rules: { resources: string[] }[] };
  assert.equal(role.metadata.namespace, 'kubetune-system');
  assert.deepEqual(role.rules.flatMap((r) => r.resources), ['leases']);
  assert.equal(find(objects, 'ClusterRoleBinding').metadata.name, 'kt-kubetune-controller');
  // Watching a list of namespaces: the rights are bound in those namespaces only.
  const { objects: scoped } = await render({ name: 'scoped', values: { controller: { watchNamespaces: ['team-a', 'team-b'] } }, apiVersions: [] });
  assert.ok(!scoped.some((o) => o.kind === 'ClusterRoleBinding'), 'no cluster-wide binding when namespaces are listed');
  const bindings = scoped.filter((o) => o.kind === 'RoleBinding' && o.metadata.name === 'kt-kubetune-controller') as unknown as { metadata: { namespace: string }; roleRef: { kind: string } }[];
  assert.deepEqual(bindings.map((b) => `${b.metadata.namespace}:${b.roleRef.kind}`), ['team-a:ClusterRole', 'team-b:ClusterRole']);
  assert.equal(env(controller(scoped), 'KUBETUNE_NAMESPACES')?.value, 'team-a,team-b');
});

test('bundled NATS: StatefulSet with a PVC, passwords from a generated Secret, controller and trials wired to it', async () => {
  const { objects } = await render(variant('bundled-nats'));
  const sts = find(objects, 'StatefulSet', '-nats') as unknown as { spec: { replicas: number; volumeClaimTemplates: { spec: { resources: { requests: { storage: string } } } }[] } };
  assert.equal(sts.spec.replicas, 1);
  assert.equal(sts.spec.volumeClaimTemplates[0]?.spec.resources.requests.storage, '10Gi');
  const secret = find(objects, 'Secret', '-nats-auth') as unknown as { data: Record<string, string> };
  for (const k of ['controller-password', 'trainer-password']) assert.match(Buffer.from(secret.data[k] ?? '', 'base64').toString(), /^[A-Za-z0-9]{32}$/, k);
  const c = controller(objects);
  assert.equal(env(c, 'KUBETUNE_NATS_URL')?.value, 'nats://kt-kubetune-nats.kubetune-system.svc:4222');
  assert.equal(env(c, 'KUBETUNE_NATS_USER')?.value, 'kubetune-controller');
  assert.deepEqual(env(c, 'KUBETUNE_NATS_PASSWORD')?.valueFrom?.secretKeyRef, { name: 'kt-kubetune-nats-auth', key: 'controller-password' });
  assert.equal(env(c, 'KUBETUNE_TRIAL_NATS_URL')?.value, 'nats://kt-kubetune-nats.kubetune-system.svc:4222');
  // Without anonymous access trials get the trainer user in the URL, expanded by the kubelet from the Secret.
  const { objects: strict } = await render({ name: 'strict', values: { nats: { mode: 'bundled', bundled: { auth: { anonymousAsTrainer: false } } } }, apiVersions: [] });
  const sc = controller(strict);
  assert.equal(env(sc, 'KUBETUNE_TRIAL_NATS_URL')?.value, 'nats://kubetune-trainer:$(KUBETUNE_TRAINER_NATS_PASSWORD)@kt-kubetune-nats.kubetune-system.svc:4222');
  const names = sc.env?.map((e) => e.name) ?? [];
  assert.ok(names.indexOf('KUBETUNE_TRAINER_NATS_PASSWORD') < names.indexOf('KUBETUNE_TRIAL_NATS_URL'), '$(VAR) expansion needs the variable defined first');
  assert.doesNotMatch(JSON.stringify(find(strict, 'ConfigMap', '-nats-config')), /no_auth_user/);
});

test('external NATS: credentials and CA come from a Secret, trials get their own URL, GPUs in trial defaults', async () => {
  const { objects } = await render(variant('external-nats'));
  const secret = find(objects, 'Secret', '-nats-client') as unknown as { stringData: Record<string, string> };
  assert.deepEqual(Object.keys(secret.stringData).sort(), ['ca.crt', 'password', 'user']);
  const c = controller(objects);
  assert.equal(env(c, 'KUBETUNE_NATS_URL')?.value, 'tls://nats-0.nats.example:4222,tls://nats-1.nats.example:4222');
  assert.equal(env(c, 'KUBETUNE_TRIAL_NATS_URL')?.value, 'tls://nats.example:4222');
  assert.deepEqual(env(c, 'KUBETUNE_NATS_PASSWORD')?.valueFrom?.secretKeyRef, { name: 'kt-kubetune-nats-client', key: 'password' });
  assert.equal(env(c, 'KUBETUNE_NATS_TLS_CA_FILE')?.value, '/etc/kubetune/nats/ca.crt');
  assert.equal(env(c, 'KUBETUNE_NATS_CREDS_FILE'), undefined);
  assert.deepEqual(podSpec(find(objects, 'Deployment')).volumes?.find((v) => v.name === 'nats-client')?.secret?.items?.map((i) => i.key), ['ca.crt']);
  const defaults = JSON.parse((find(objects, 'ConfigMap', '-trial-defaults') as unknown as { data: Record<string, string> }).data['trial-defaults.json'] ?? '') as Record<string, unknown>;
  assert.deepEqual(defaults, {
    image: 'kubetune/trainer:0.1.0',
    collectorImage: 'kubetune/kubetune:0.1.0',
    resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '8Gi', 'nvidia.com/gpu': 2 } },
    nodeSelector: {},
    tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
  });
  // An existing Secret with a creds file: nothing created, the file mounted and pointed to.
  const { objects: creds } = await render({ name: 'creds', values: { nats: { external: { auth: 'creds', existingSecret: 'my-nats' } } }, apiVersions: [] });
  assert.ok(!creds.some((o) => o.kind === 'Secret' && o.metadata.name.endsWith('-nats-client')));
  assert.equal(env(controller(creds), 'KUBETUNE_NATS_CREDS_FILE')?.value, '/etc/kubetune/nats/nats.creds');
  assert.deepEqual(podSpec(find(creds, 'Deployment')).volumes?.find((v) => v.name === 'nats-client')?.secret, { secretName: 'my-nats', items: [{ key: 'nats.creds', path: 'nats.creds' }] });
});

test('the ServiceMonitor is rendered only when enabled and its CRD is served, and selects the metrics Service', async () => {
  const { objects } = await render(variant('service-monitor'));
  const sm = find(objects, 'ServiceMonitor') as unknown as { metadata: { labels: Record<string, string> }; spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[]; namespaceSelector: { matchNames: string[] } } };
  assert.equal(sm.metadata.labels.release, 'prometheus');
  const svc = find(objects, 'Service', '-metrics') as unknown as { metadata: { labels: Record<string, string> }; spec: { ports: { name: string }[]; selector: Record<string, string> } };
  for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) assert.equal(svc.metadata.labels[k], v, `Service label ${k}`);
  assert.equal(sm.spec.endpoints[0]?.port, svc.spec.ports[0]?.name);
  assert.equal(sm.spec.endpoints[0]?.path, '/metrics');
  assert.deepEqual(sm.spec.namespaceSelector.matchNames, ['kubetune-system']);
  // The Service selects the controller Pods.
  const pod = (find(objects, 'Deployment') as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec.template.metadata.labels;
  for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(pod[k], v);
  const { objects: noCrd } = await render({ ...variant('service-monitor'), apiVersions: [] });
  assert.ok(!noCrd.some((o) => o.kind === 'ServiceMonitor'), 'no ServiceMonitor without the monitoring.coreos.com CRD');
});

test('the dashboard ConfigMap carries the Grafana sidecar label and the dashboard file', async () => {
  const { objects } = await render({ name: 'dash', values: { dashboards: { namespace: 'monitoring', annotations: { grafana_folder: 'kubetune' } } }, apiVersions: [] });
  const cm = find(objects, 'ConfigMap', '-dashboard') as unknown as { metadata: { namespace: string; labels: Record<string, string>; annotations: Record<string, string> }; data: Record<string, string> };
  assert.equal(cm.metadata.labels.grafana_dashboard, '1');
  assert.equal(cm.metadata.namespace, 'monitoring');
  assert.equal(cm.metadata.annotations.grafana_folder, 'kubetune');
  assert.deepEqual(JSON.parse(cm.data['kubetune.json'] ?? ''), JSON.parse(readFileSync(join(chartDir, 'dashboards/kubetune.json'), 'utf8')));
  const { objects: off } = await render({ name: 'no-dash', values: { dashboards: { enabled: false } }, apiVersions: [] });
  assert.ok(!off.some((o) => o.metadata.name.endsWith('-dashboard')));
});

test('the chart installs exactly the generated CRDs', async () => {
  const { objects } = await render(variant('default'), { includeCrds: true });
  const byName = (a: K8sObject, b: K8sObject) => a.metadata.name.localeCompare(b.metadata.name);
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition').sort(byName);
  assert.deepEqual(crds, [...crdFiles().values()].map((t) => parse(t) as K8sObject).sort(byName));
});

const BAD_VALUES: readonly { why: string; values: Record<string, unknown>; error: RegExp }[] = [
  { why: 'a misspelt key', values: { controller: { replcas: 2 } }, error: /\/controller.*additional properties 'replcas' not allowed/ },
  { why: 'an unknown NATS mode', values: { nats: { mode: 'embedded' } }, error: /\/nats\/mode.*external.*bundled/ },
  { why: 'replicas as a string', values: { controller: { replicas: 'two' } }, error: /\/controller\/replicas/ },
  { why: 'a namespace that is no DNS label', values: { controller: { watchNamespaces: ['Team_A'] } }, error: /\/controller\/watchNamespaces\/0/ },
  { why: 'user/password auth without a password or Secret', values: { nats: { external: { auth: 'userPassword', user: 'u' } } }, error: /\/nats\/external\/password/ },
  { why: 'an http URL for NATS', values: { nats: { external: { url: 'http://nats:4222' } } }, error: /\/nats\/external\/url/ },
  { why: 'a bad memory quantity', values: { controller: { resources: { limits: { memory: 'lots' } } } }, error: /\/controller\/resources\/limits\/memory/ },
  { why: 'a bad toleration operator', values: { trainer: { tolerations: [{ key: 'gpu', operator: 'Sometimes' }] } }, error: /\/trainer\/tolerations\/0\/operator/ },
];

test('values that violate the schema are refused by install-time rendering and by lint, naming the field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubetune-badvalues-'));
  for (const bad of BAD_VALUES) {
    const file = join(dir, 'values.yaml');
    writeFileSync(file, JSON.stringify(bad.values));
    const t = await helm(['template', 'kt', chartDir, '--kube-version', KUBE_VERSION, '-f', file]);
    assert.notEqual(t.code, 0, `${bad.why} was accepted`);
    assert.match(t.stderr, /values don't meet the specifications of the schema/, bad.why);
    assert.match(t.stderr.replace(/\n\s*/g, ' '), bad.error, bad.why);
    const l = await helm(['lint', chartDir, '--kube-version', KUBE_VERSION, '-f', file]);
    assert.notEqual(l.code, 0, `helm lint accepted ${bad.why}`);
  }
});

/** Starts nats-server with the chart's rendered nats.conf (ports and store moved to the test's own). */
async function startChartNats(conf: string, passwords: { controller: string; trainer: string }): Promise<{ url: string; stop(): Promise<void> }> {
  const [port, http] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'kubetune-chart-nats-'));
  const local = conf.replace('listen: 0.0.0.0:4222', `listen: 127.0.0.1:${port}`).replace('http: 0.0.0.0:8222', `http: 127.0.0.1:${http}`).replace('store_dir: /data/jetstream', `store_dir: ${join(dir, 'js')}`);
  assert.notEqual(local, conf);
  writeFileSync(join(dir, 'nats.conf'), local);
  const child = spawn('nats-server', ['-c', join(dir, 'nats.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', POD_NAME: 'kt-kubetune-nats-0', CONTROLLER_PASSWORD: passwords.controller, TRAINER_PASSWORD: passwords.trainer },
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('Server is ready')) resolve();
    });
    child.once('error', (e) => reject(new Error(`cannot start nats-server: ${e.message} (install it: bash test/prereqs.sh)`)));
    child.once('exit', (code) => reject(new Error(`nats-server refused the chart's nats.conf (exit ${code}): ${log}`)));
  });
  return { url: `nats://127.0.0.1:${port}`, stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', () => r()), child.kill('SIGTERM')))) };
}

/** Publishes and flushes; resolves to the permission error the server sent back, if any. */
async function publishError(nc: NatsConnection, subject: string): Promise<string | undefined> {
  let denied: string | undefined;
  // The status iterator ends when the connection closes.
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'error') denied = String((s as { error?: unknown }).error);
  })();
  nc.publish(subject, '{}');
  await nc.flush();
  // The server reports a permission violation asynchronously, shortly after the flush round trip.
  await new Promise((r) => setTimeout(r, 200));
  return denied;
}

test('the bundled NATS config runs on a real nats-server: controller may do anything, trainer only metrics and control', async () => {
  const { objects } = await render(variant('bundled-nats'));
  const conf = (find(objects, 'ConfigMap', '-nats-config') as unknown as { data: Record<string, string> }).data['nats.conf'] ?? '';
  const passwords = { controller: 'c0ntroller', trainer: 'tra1ner' };
  const server = await startChartNats(conf, passwords);
  const conns: NatsConnection[] = [];
  try {
    const ctl = await connect({ servers: server.url, user: 'kubetune-controller', pass: passwords.controller });
    conns.push(ctl);
    const jsm = await jetstreamManager(ctl);
    await jsm.streams.add({ name: 'KUBETUNE_METRICS', subjects: ['kubetune.metrics.>'] });
    // The trainer SDK connects with the URL alone: anonymous clients are the trainer user.
    const anon = await connect({ servers: server.url });
    conns.push(anon);
    const ack = await jetstream(anon).publish('kubetune.metrics.ns.job.job-00001', '{"trial":"job-00001","step":0,"metrics":{"loss":1}}', { msgID: 'ns/job-00001/0' });
    assert.equal(ack.stream, 'KUBETUNE_METRICS');
    const stops = anon.subscribe('kubetune.control.ns.job.job-00001', { max: 1 });
    await anon.flush();
    ctl.publish('kubetune.control.ns.job.job-00001', '{"action":"stop"}');
    for await (const m of stops) assert.equal(m.string(), '{"action":"stop"}');
    assert.match((await publishError(anon, 'kubetune.control.ns.job.job-00002')) ?? '', /Permissions Violation/i, 'a trainer must not send stop requests');
    const anon2 = await connect({ servers: server.url });
    conns.push(anon2);
    assert.match((await publishError(anon2, '$JS.API.STREAM.DELETE.KUBETUNE_METRICS')) ?? '', /Permissions Violation/i, 'a trainer must not touch JetStream');
    const trainer = await connect({ servers: server.url, user: 'kubetune-trainer', pass: passwords.trainer });
    conns.push(trainer);
    assert.equal((await jetstream(trainer).publish('kubetune.metrics.ns.job.job-00001', '{}', { msgID: 'ns/job-00001/1' })).seq, 2);
    await assert.rejects(connect({ servers: server.url, user: 'kubetune-controller', pass: 'wrong' }), /Authorization Violation/i);
    assert.equal((await jsm.streams.info('KUBETUNE_METRICS')).state.messages, 2);
  } finally {
    for (const c of conns) await c.close().catch(() => undefined);
    await server.stop();
  }
});

test("on the bundled NATS config a trial cannot read other trials' metrics: not on their subjects, not in the controller's pulls or JetStream API replies", async () => {
  const { objects } = await render(variant('bundled-nats'));
  const conf = (find(objects, 'ConfigMap', '-nats-config') as unknown as { data: Record<string, string> }).data['nats.conf'] ?? '';
  const passwords = { controller: 'c0ntroller', trainer: 'tra1ner' };
  const server = await startChartNats(conf, passwords);
  const conns: NatsConnection[] = [];
  const log = createLogger('error');
  const ctl = await connectNats(natsOptions({ url: server.url, user: 'kubetune-controller', password: passwords.controller }), log, () => {});
  let ingest: Ingest | undefined;
  try {
    const metrics = createMetrics();
    // The controller's own connection and pull consumer, as `kubetune controller` runs them.
    ingest = await startIngest({ nc: ctl.nc, durable: 'kubetune-controller', namespaces: ['team-b'], target: { admission: () => ({ state: 'unknown' }), apply: () => {}, persist: async () => {} }, metrics, log });
    // The eavesdropping trial subscribes to everything the trainer user may, and tries the rest.
    const spy = await connect({ servers: server.url });
    conns.push(spy);
    const seen: string[] = [];
    const refused: string[] = [];
    void (async () => {
      for await (const s of spy.status()) if (s.type === 'error') refused.push(String((s as { error?: unknown }).error));
    })();
    for (const subject of ['kubetune.control.>', '_INBOX.>', 'kubetune.metrics.>', '_KUBETUNE_CONTROLLER.>', '$JS.API.>', '>']) {
      spy.subscribe(subject, { callback: (e, m) => void (e ? refused.push(String(e)) : seen.push(`${m.subject} ${m.string()}`)) });
    }
    await spy.flush();
    await new Promise((r) => setTimeout(r, 200));
    for (const subject of ['kubetune.metrics.>', '_KUBETUNE_CONTROLLER.>', '$JS.API.>', '>']) {
      assert.ok(refused.some((e) => /Permissions Violation for Subscription/i.test(e) && e.includes(`"${subject}"`)), `subscribing to ${subject} must be refused: ${refused.join('; ')}`);
    }
    // Another namespace's trial reports a secret value.
    const victim = await connect({ servers: server.url });
    conns.push(victim);
    const SECRET = 0.123456789;
    await jetstream(victim).publish('kubetune.metrics.team-b.job.job-00001', JSON.stringify({ trial: 'job-00001', step: 1, metrics: { val_loss: SECRET } }), { msgID: 'team-b/job-00001/1' });
    // The controller pulls it, and reads it back through the JetStream API (as trialCaughtUp does).
    for (let i = 0; i < 100 && (await metrics.metricMessages.get()).values.every((v) => v.value === 0); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok((await metrics.metricMessages.get()).values.some((v) => v.labels.result === 'unknown_trial' && v.value === 1), 'the controller pulled the report');
    assert.equal(await ingest.trialCaughtUp({ namespace: 'team-b', job: 'job', trial: 'job-00001' }), true);
    await spy.flush();
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(seen.filter((m) => m.includes(String(SECRET))), [], 'the trial saw the other trial\'s report');
  } finally {
    await ingest?.stop();
    await ctl.close();
    for (const c of conns) await c.close().catch(() => undefined);
    await server.stop();
  }
});

test('the controller gets a generated signing key, mounted as a file, and verifies senders unless told not to', async () => {
  const { objects } = await render(variant('default'));
  const secret = find(objects, 'Secret', '-signing-key') as unknown as { metadata: { name: string; annotations: Record<string, string> }; data: Record<string, string> };
  assert.match(Buffer.from(secret.data['signing-key'] ?? '', 'base64').toString(), /^[A-Za-z0-9]{64}$/);
  assert.equal(secret.metadata.annotations['helm.sh/resource-policy'], 'keep');
  const c = controller(objects);
  assert.equal(env(c, 'KUBETUNE_SIGNING_KEY_FILE')?.value, '/etc/kubetune/signing/signing-key');
  assert.equal(env(c, 'KUBETUNE_VERIFY_REPORTS')?.value, 'true');
  assert.ok(c.volumeMounts?.some((m) => m.name === 'signing-key' && m.mountPath === '/etc/kubetune/signing'));
  assert.deepEqual(podSpec(find(objects, 'Deployment')).volumes?.find((v) => v.name === 'signing-key')?.secret, { secretName: secret.metadata.name, items: [{ key: 'signing-key', path: 'signing-key' }] });
  const { objects: own } = await render({ name: 'own-key', values: { controller: { reportSigning: { verify: false, existingSecret: 'my-key' } } }, apiVersions: [] });
  assert.ok(!own.some((o) => o.kind === 'Secret'), 'no generated key with existingSecret');
  assert.equal(env(controller(own), 'KUBETUNE_VERIFY_REPORTS')?.value, 'false');
  assert.equal(podSpec(find(own, 'Deployment')).volumes?.find((v) => v.name === 'signing-key')?.secret?.secretName, 'my-key');
});
