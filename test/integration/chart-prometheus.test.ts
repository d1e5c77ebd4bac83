// End to end: the chart's controller (its Deployment's Pod template, its ServiceAccount's token and RBAC)
// runs on the test cluster while a TuningJob with early stopping runs; real Prometheus scrapes it, and
// every PromQL expression of the Grafana dashboard must return data through Prometheus's HTTP API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { clusterDir, withCluster, type TestCluster } from '../cluster/with-cluster.ts';
import { freePort } from '../nats-server.ts';
import { chartDir, helm, repoRoot } from '../chart/helm.ts';
import { loadDashboard, panelQueries, substitute, variableSelectors } from '../chart/dashboard.ts';
import { clients, irisJob, until } from './controller-harness.ts';

const SCRAPE_JOB = 'kubetune';
const JOB = 'chart-e2e';
let cluster: TestCluster;
let release = '';
let prometheus: ChildProcess | undefined;
// Not under /tmp: the chart mounts an emptyDir there, and the process kubelet maps a Pod's mount paths
// in its command, args and env to the volume's host directory, as a real mount would hide the host's.
const workBase = join(dirname(clusterDir()), 'test-work');
mkdirSync(workBase, { recursive: true });
const work = mkdtempSync(join(workBase, 'chart-e2e-'));
/** The controller's /metrics text at the end of the TuningJob, for the promtool lint. */
let exposition = '';

const PromResponse = z.object({ status: z.literal('success'), data: z.looseObject({ result: z.array(z.looseObject({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })) }) });
const LabelValues = z.object({ status: z.literal('success'), data: z.array(z.string()) });

before(async () => {
  cluster = await withCluster({ namespacePrefix: 'chart-prom' });
  const crds = await cluster.kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(chartDir, 'crds')], { namespace: null });
  assert.equal(crds.code, 0, crds.stderr);
});

after(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus?.once('exit', r));
    prometheus.kill('SIGTERM');
    await exited;
  }
  // Deleting the namespace stops the controller Pod's process (the kubelet sends SIGTERM).
  if (release) await helm(['uninstall', release, '--namespace', cluster.namespace], { kubeconfig: cluster.kubeconfigPath });
  await cluster?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** A kubeconfig that authenticates as the chart's ServiceAccount (a TokenRequest token), so RBAC applies. */
async function serviceAccountKubeconfig(sa: string): Promise<string> {
  const token = await cluster.kubectl(['create', 'token', sa, '--duration=2h']);
  assert.equal(token.code, 0, token.stderr);
  const c = cluster.kc.getCurrentCluster();
  assert.ok(c, 'the admin kubeconfig names a cluster');
  const path = join(work, 'controller.kubeconfig');
  writeFileSync(path, stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: c.server, ...(c.caData ? { 'certificate-authority-data': c.caData } : { 'certificate-authority': c.caFile }) } }],
    users: [{ name: sa, user: { token: token.stdout.trim() } }],
    contexts: [{ name: 'sa', context: { cluster: 'test', user: sa, namespace: cluster.namespace } }],
    'current-context': 'sa',
  }));
  return path;
}

/** Starts Debian's prometheus scraping the controller every second; resolves with its HTTP base URL. */
async function startPrometheus(target: string): Promise<string> {
  const port = await freePort();
  const config = join(work, 'prometheus.yml');
  writeFileSync(config, stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: [{ job_name: SCRAPE_JOB, static_configs: [{ targets: [target] }] }] }));
  prometheus = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(work, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  prometheus.stderr?.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-4000)));
  prometheus.once('error', (e) => assert.fail(`cannot start prometheus: ${e.message}; install it with bash test/prereqs.sh`));
  const url = `http://127.0.0.1:${port}`;
  await until('Prometheus to be ready', async () => ((await fetch(`${url}/-/ready`).catch(() => undefined))?.ok ? true : undefined), 60_000, async () => log);
  return url;
}

async function query(prom: string, expr: string): Promise<z.infer<typeof PromResponse>['data']['result']> {
  const res = await fetch(`${prom}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  const body: unknown = await res.json();
  const parsed = PromResponse.safeParse(body);
  if (!parsed.success) throw new Error(`Prometheus refused ${expr}: ${JSON.stringify(body)}`);
  return parsed.data.data.result;
}

test('every dashboard query returns data from Prometheus scraping the chart-installed controller during a TuningJob', async () => {
  const ns = cluster.namespace;
  release = `kt${randomBytes(3).toString('hex')}`;
  const metricsPort = await freePort();
  const values = {
    controller: {
      metricsPort,
      watchNamespaces: [ns],
      consumer: `chart-${ns}`,
      leaderElection: { leaseDurationSeconds: 4, renewSeconds: 1, retrySeconds: 1 },
      stopGraceSeconds: 3,
      settleSeconds: 5,
    },
    nats: { mode: 'external', external: { url: cluster.natsUrl } },
  };
  const installed = await helm(['install', release, chartDir, '--namespace', ns, '-f', '-'], { kubeconfig: cluster.kubeconfigPath, input: JSON.stringify(values) });
  assert.equal(installed.code, 0, installed.stderr);

  // There is no Deployment controller here: run the Deployment's Pod template as a Pod. Only the
  // command differs (the image's entrypoint is the repo's bin/kubetune), plus the ServiceAccount's
  // kubeconfig because the process kubelet mounts no token.
  const deploy = await cluster.kubectl(['get', `deployment/${release}-kubetune-controller`, '-o', 'json']);
  assert.equal(deploy.code, 0, deploy.stderr);
  const template = z.object({ spec: z.object({ template: z.object({ metadata: z.looseObject({ labels: z.record(z.string(), z.string()) }), spec: z.looseObject({ serviceAccountName: z.string(), containers: z.array(z.looseObject({ args: z.array(z.string()) })).min(1) }) }) }) }).parse(JSON.parse(deploy.stdout)).spec.template;
  const kubeconfig = await serviceAccountKubeconfig(template.spec.serviceAccountName);
  const [container, ...rest] = template.spec.containers;
  assert.ok(container);
  // The process kubelet mounts no ConfigMaps: hand the controller the chart's trial defaults as a file.
  const defaults = await cluster.kubectl(['get', `configmap/${release}-kubetune-trial-defaults`, '-o', 'jsonpath={.data.trial-defaults\\.json}']);
  assert.equal(defaults.code, 0, defaults.stderr);
  const defaultsFile = join(work, 'trial-defaults.json');
  writeFileSync(defaultsFile, defaults.stdout);
  // Nor Secrets: the chart's generated signing key goes to a file too.
  const signing = await cluster.kubectl(['get', `secret/${release}-kubetune-signing-key`, '-o', 'jsonpath={.data.signing-key}']);
  assert.equal(signing.code, 0, signing.stderr);
  const signingFile = join(work, 'signing-key');
  writeFileSync(signingFile, Buffer.from(signing.stdout, 'base64'));
  const files: Record<string, string> = { KUBETUNE_TRIAL_DEFAULTS: defaultsFile, KUBETUNE_SIGNING_KEY_FILE: signingFile };
  const env = z.array(z.looseObject({ name: z.string() })).parse(container.env ?? []);
  for (const name of Object.keys(files)) assert.ok(env.some((e) => e.name === name), `the Deployment points the controller at ${name}`);
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${release}-controller-0`, labels: template.metadata.labels },
    spec: { ...template.spec, containers: [{ ...container, env: env.map((e) => (files[e.name] === undefined ? e : { name: e.name, value: files[e.name] })), command: [join(repoRoot, 'bin/kubetune')], args: [...container.args, `--kubeconfig=${kubeconfig}`] }, ...rest] },
  };
  const created = await cluster.kubectl(['create', '-f', '-'], { input: JSON.stringify(pod) });
  assert.equal(created.code, 0, created.stderr);
  const controllerLog = () => cluster.podLog(pod.metadata.name);
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  await until('the controller to lead and be ready', async () => {
    const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`).catch(() => undefined);
    const text = ready?.ok ? await (await fetch(metricsUrl)).text() : '';
    return /^kubetune_leader 1$/m.test(text) ? true : undefined;
  }, 90_000, controllerLog);

  const prom = await startPrometheus(`127.0.0.1:${metricsPort}`);
  const started = Date.now();
  const api = clients(cluster);
  const EPOCHS = 30;
  const job = irisJob(JOB, {
    parameters: [
      { name: 'learningRate', type: 'double', min: 0.00001, max: 0.3, scale: 'log' },
      { name: 'units', type: 'int', min: 2, max: 32 },
    ],
    search: { algorithm: 'random', seed: 11 },
    earlyStopping: { algorithm: 'asha', settings: { minResource: 2, reductionFactor: 3, maxResource: EPOCHS } },
    budget: { maxTrials: 8, parallelTrials: 2, maxFailedTrials: 1 },
  }, EPOCHS);
  const applied = await cluster.kubectl(['apply', '-f', '-'], { input: job });
  assert.equal(applied.code, 0, applied.stderr);
  const done = await until('the TuningJob to finish', async () => {
    const j = await api.job(JOB);
    return j.status?.phase === 'Succeeded' || j.status?.phase === 'Failed' ? j : undefined;
  }, 240_000, async () => `${JSON.stringify((await api.job(JOB)).status)}\n${(await controllerLog()).split('\n').slice(-30).join('\n')}`);
  const trials = (done.status as { trials: { earlyStopped: number } }).trials;
  assert.ok(trials.earlyStopped >= 1, `the job stopped some trials early, so the early-stop panel has data: ${JSON.stringify(done.status)}`);
  // The chart's trainer defaults (GPU limit, GPU tolerations) reached the trial Pods.
  const trialPods = await cluster.kubectl(['get', 'pods', '-l', `kubetune.io/job=${JOB}`, '-o', 'json']);
  assert.equal(trialPods.code, 0, trialPods.stderr);
  const placed = z.object({ items: z.array(z.object({ spec: z.looseObject({ tolerations: z.array(z.looseObject({ key: z.string().optional() })).optional(), containers: z.array(z.looseObject({ resources: z.looseObject({ limits: z.record(z.string(), z.string()).optional() }).optional() })) }) })) }).parse(JSON.parse(trialPods.stdout)).items;
  assert.ok(placed.length > 0, 'finished trial Pods are kept');
  for (const p of placed) {
    assert.ok(p.spec.tolerations?.some((t) => t.key === 'nvidia.com/gpu'), 'a trial Pod tolerates GPU nodes');
    assert.equal(p.spec.containers[0]?.resources?.limits?.['nvidia.com/gpu'], '1');
  }
  // Let Prometheus scrape the final state a few times.
  await new Promise((r) => setTimeout(r, 5000));

  const vars = { job: SCRAPE_JOB, tuningjob: JOB, rateInterval: `${Math.ceil((Date.now() - started) / 1000) + 30}s` };
  const dashboard = loadDashboard();
  const empty: string[] = [];
  const queries = panelQueries(dashboard);
  for (const q of queries) {
    const expr = substitute(q.expr, vars);
    if ((await query(prom, expr)).length === 0) empty.push(`panel "${q.panel}" ${q.refId}: ${expr}`);
  }
  assert.deepEqual(empty, [], `dashboard queries without data:\n${empty.join('\n')}`);
  assert.ok(queries.length >= 15);

  // The variables' label_values() queries find the scrape job and the TuningJob.
  const expected: Record<string, string> = { job: SCRAPE_JOB, tuningjob: JOB };
  for (const v of variableSelectors(dashboard)) {
    const res = await fetch(`${prom}/api/v1/label/${v.label}/values?${new URLSearchParams({ 'match[]': substitute(v.selector, vars) })}`);
    const got = LabelValues.parse(await res.json()).data;
    assert.ok(got.includes(expected[v.variable] ?? ''), `variable ${v.variable}: label_values(${v.selector}, ${v.label}) gave ${JSON.stringify(got)}`);
  }
  // The best objective is the job's real best trial value.
  const best = await query(prom, substitute('kubetune_best_objective_value{job="$job", exported_job="$tuningjob"}', vars));
  assert.equal(Number(best[0]?.value[1]), (done.status as { bestTrial: { value: number } }).bestTrial.value);

  exposition = await (await fetch(metricsUrl)).text();
  // The chart's RBAC was enough: the controller, running as its ServiceAccount, was never refused.
  const events = (await api.events()).filter((e) => e.reason === 'EarlyStopped');
  assert.equal(events.length, trials.earlyStopped, 'the controller could create its Events');
  assert.doesNotMatch(await controllerLog(), /forbidden/i);
});

test("promtool check metrics reports no problem in the running controller's /metrics", () => {
  assert.match(exposition, /^kubetune_trials_finished_total\{/m, 'the previous test scraped the controller after a TuningJob');
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  assert.equal(lint.status, 0, `promtool check metrics on the controller's /metrics: ${lint.stdout}${lint.stderr}`);
});
