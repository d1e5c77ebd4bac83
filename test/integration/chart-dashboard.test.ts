// The Grafana dashboard against the controller's own metrics registry and promtool: every metric and
// label a panel queries is exported, every expression parses, and the exposition passes promtool's lint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createMetrics } from '../../controller/src/telemetry/metrics.ts';
import { baseMetric, groupingLabels, loadDashboard, panelQueries, registryMetrics, scrapedLabels, selectors, substitute, variableSelectors } from '../chart/dashboard.ts';

const dashboard = loadDashboard();
const values = { job: 'kubetune', tuningjob: '.*', rateInterval: '1m' };

/** Runs promtool; it must be installed (bash test/prereqs.sh installs Debian's prometheus package). */
function promtool(args: readonly string[], input?: string): { code: number; out: string } {
  const r = spawnSync('promtool', args, { input, encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run promtool: ${r.error.message}; install it with: bash test/prereqs.sh (apt-get install prometheus)`);
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

test('the dashboard has a job variable and the panels the issue lists', () => {
  const vars = dashboard.templating.list.map((v) => v.name);
  assert.ok(vars.includes('job'), 'a job variable');
  assert.ok(vars.includes('datasource'), 'a data source variable');
  const titles = dashboard.panels.map((p) => p.title);
  for (const t of ['Trials by phase', 'Best objective so far', 'Trials finished by outcome', 'Early stops', 'Suggestion latency', 'Metric messages by result', 'Reconciles by result', 'Reconcile errors', 'Work queue depth', 'Leader', 'Controller CPU', 'Controller memory']) {
    assert.ok(titles.includes(t), `panel "${t}" is missing`);
  }
  const latency = panelQueries(dashboard).filter((q) => q.panel === 'Suggestion latency').map((q) => q.expr);
  assert.ok(latency.some((e) => e.startsWith('histogram_quantile(0.5,')) && latency.some((e) => e.startsWith('histogram_quantile(0.99,')), 'suggestion latency shows p50 and p99');
  // Every query is scoped to the selected scrape job, so two installations never mix.
  for (const q of panelQueries(dashboard)) for (const s of selectors(q.expr)) assert.ok(s.labels.includes('job'), `${q.panel}: ${s.metric} is not filtered by job`);
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
});

test('the selector parser finds metrics, not functions, keywords, labels or numbers', () => {
  assert.deepEqual(selectors('histogram_quantile(0.99, sum by (le, algorithm) (rate(kubetune_suggestion_duration_seconds_bucket{job="$job"}[$__rate_interval])))'), [{ metric: 'kubetune_suggestion_duration_seconds_bucket', labels: ['job'] }]);
  assert.deepEqual(selectors('sum(rate(a_total{job="x", exported_job=~"y|z"}[1m])) or (sum(rate(b_total{job="x"}[1m])) * 0)').map((s) => s.metric), ['a_total', 'b_total']);
  assert.deepEqual(selectors('up'), [{ metric: 'up', labels: [] }]);
  assert.deepEqual(groupingLabels('sum by (le, name) (x) / on(instance) y'), ['le', 'name', 'instance']);
});

test('every metric and label the dashboard queries is exported by the controller registry', () => {
  const known = registryMetrics(createMetrics().registry);
  const exprs = [...panelQueries(dashboard).map((q) => ({ where: `panel "${q.panel}" ${q.refId}`, expr: q.expr })), ...variableSelectors(dashboard).map((v) => ({ where: `variable ${v.variable}`, expr: v.selector }))];
  assert.ok(exprs.length >= 15);
  for (const { where, expr } of exprs) {
    const found = selectors(expr);
    assert.ok(found.length > 0, `${where}: no metric in ${expr}`);
    const allowed = new Set<string>();
    for (const s of found) {
      const base = baseMetric(s.metric, known);
      assert.ok(base, `${where}: ${s.metric} is not exported by controller/src/telemetry/metrics.ts (exported: ${[...known.keys()].join(', ')})`);
      const labels = scrapedLabels(base.labels);
      for (const l of s.labels) assert.ok(labels.has(l), `${where}: ${s.metric} has no label ${l} (it has ${[...labels].join(', ')})`);
      for (const l of labels) allowed.add(l);
    }
    for (const l of groupingLabels(expr)) assert.ok(allowed.has(l), `${where}: groups by ${l}, which none of its metrics has`);
  }
  for (const v of variableSelectors(dashboard)) {
    const own = baseMetric(selectors(v.selector)[0]?.metric ?? '', known);
    assert.ok(own && scrapedLabels(own.labels).has(v.label), `variable ${v.variable} reads label ${v.label}, which ${v.selector} lacks`);
  }
  // No trial names as labels: cardinality stays bounded by jobs, phases and reasons.
  for (const [name, m] of known) assert.ok(!m.labels.some((l) => /trial|pod/i.test(l)), `${name} has a per-trial label`);
});

test('promtool parses every dashboard expression (as recording rules)', () => {
  const rules = panelQueries(dashboard).map((q) => ({ record: `kubetune_dashboard:panel_${q.id}_${q.refId}`, expr: substitute(q.expr, values) }));
  const dir = mkdtempSync(join(tmpdir(), 'kubetune-dashboard-rules-'));
  const file = join(dir, 'rules.yaml');
  writeFileSync(file, stringify({ groups: [{ name: 'kubetune-dashboard', rules }] }));
  const r = promtool(['check', 'rules', file]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, new RegExp(`SUCCESS: ${rules.length} rules found`));
});

test("promtool check metrics finds no problem in the controller's exposition", async () => {
  const m = createMetrics();
  // Touch every labelled metric so its series and HELP/TYPE lines are all exposed.
  m.trialsByPhase.set({ namespace: 'ns', job: 'j', phase: 'Running' }, 2);
  m.trialsFinished.inc({ namespace: 'ns', job: 'j', outcome: 'Succeeded' });
  m.bestObjective.set({ namespace: 'ns', job: 'j', metric: 'val_loss' }, 0.1);
  m.suggestionLatency.observe({ algorithm: 'tpe' }, 0.02);
  m.earlyStops.inc({ namespace: 'ns', job: 'j' });
  m.jobsByPhase.set({ phase: 'Running' }, 1);
  m.reconcileTotal.inc({ controller: 'tuningjob', result: 'success' });
  m.reconcileErrors.inc({ controller: 'tuningjob' });
  m.reconcileTime.observe({ controller: 'tuningjob' }, 0.01);
  m.queueDepth.set({ name: 'tuningjob' }, 0);
  m.queueAdds.inc({ name: 'tuningjob' });
  m.queueRetries.inc({ name: 'tuningjob' });
  m.queueLatency.observe({ name: 'tuningjob' }, 0.001);
  m.queueWorkDuration.observe({ name: 'tuningjob' }, 0.01);
  m.leader.set(1);
  m.natsConnected.set(1);
  const text = await m.registry.metrics();
  const r = promtool(['check', 'metrics'], text);
  assert.equal(r.code, 0, r.out);
  assert.equal(r.out.trim(), '', `promtool check metrics reported: ${r.out}`);
});
