// The Grafana dashboard's PromQL: loading it, substituting Grafana variables, and naming the metrics and
// labels each expression uses, so tests can hold it to the controller's registry and to real Prometheus.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { chartDir } from './helm.ts';

export const dashboardPath = join(chartDir, 'dashboards/kubetune.json');

const Target = z.looseObject({ refId: z.string().min(1), expr: z.string().min(1) });
const Panel = z.looseObject({ id: z.number().int(), type: z.string(), title: z.string().min(1), targets: z.array(Target).optional() });
const Variable = z.looseObject({ name: z.string().min(1), type: z.string(), query: z.union([z.string(), z.looseObject({ query: z.string() })]).optional() });
const Dashboard = z.looseObject({
  uid: z.string().min(1),
  title: z.string().min(1),
  panels: z.array(Panel),
  templating: z.looseObject({ list: z.array(Variable) }),
});
export type Dashboard = z.infer<typeof Dashboard>;

/** Reads and validates charts/kubetune/dashboards/kubetune.json. */
export function loadDashboard(): Dashboard {
  const parsed = Dashboard.safeParse(JSON.parse(readFileSync(dashboardPath, 'utf8')));
  if (!parsed.success) throw new Error(`${dashboardPath} is not a Grafana dashboard this test understands: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** One PromQL expression of a panel. */
export type PanelQuery = { panel: string; id: number; refId: string; expr: string };

/** Every panel target's expression, in panel order. */
export function panelQueries(d: Dashboard): PanelQuery[] {
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, id: p.id, refId: t.refId, expr: t.expr })));
}

/** The series selectors inside the variables' `label_values(<selector>, <label>)` queries. */
export function variableSelectors(d: Dashboard): { variable: string; selector: string; label: string }[] {
  return d.templating.list.flatMap((v) => {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    const m = q === undefined ? null : /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(q.trim());
    return m ? [{ variable: v.name, selector: m[1] as string, label: m[2] as string }] : [];
  });
}

/** Grafana's values for the variables an expression may use. */
export type VariableValues = { job: string; tuningjob: string; rateInterval: string };

/** Replaces Grafana variables by concrete values, giving plain PromQL. */
export function substitute(expr: string, v: VariableValues): string {
  return expr.replaceAll('$__rate_interval', v.rateInterval).replaceAll('$tuningjob', v.tuningjob).replaceAll('$job', v.job);
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'inf', 'nan']);
const GROUPING = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;

/** A metric selector in an expression: the metric name and the label names its matchers use. */
export type Selector = { metric: string; labels: string[] };

/** The metric selectors of a PromQL expression (every bare identifier that is no function or keyword). */
export function selectors(expr: string): Selector[] {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const noRanges = noStrings.replace(/\[[^\]]*\]/g, '');
  const noGrouping = noRanges.replace(GROUPING, ' ');
  const out: Selector[] = [];
  for (const m of noGrouping.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\}|\()?/g)) {
    const [, name, follow] = m;
    if (name === undefined || follow === '(' || KEYWORDS.has(name.toLowerCase())) continue;
    // Identifiers inside a matcher block were consumed with it; digits in numbers never start a match.
    const before = noGrouping[(m.index ?? 0) - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue;
    const labels = follow === undefined ? [] : [...follow.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map((l) => l[1] as string);
    out.push({ metric: name, labels });
  }
  return out;
}

/** Label names used in by(…)/without(…) clauses. */
export function groupingLabels(expr: string): string[] {
  return [...expr.matchAll(GROUPING)].flatMap((m) => (m[2] ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0));
}

const MetricInfo = z.looseObject({ name: z.string(), type: z.string(), labelNames: z.array(z.string()).optional() });

/** Each exported metric's name, type and label names, read from a prom-client registry. */
export function registryMetrics(registry: Registry): Map<string, { type: string; labels: string[] }> {
  const out = new Map<string, { type: string; labels: string[] }>();
  for (const m of registry.getMetricsAsArray()) {
    const info = MetricInfo.parse(m);
    out.set(info.name, { type: info.type, labels: info.labelNames ?? [] });
  }
  return out;
}

// Labels Prometheus adds to every scraped series; a metric's own label of the same name is renamed exported_<name>.
const TARGET_LABELS = ['job', 'instance'];

/** The registry metric a series name belongs to (histogram series carry _bucket/_sum/_count), or undefined. */
export function baseMetric(series: string, known: Map<string, { type: string; labels: string[] }>): { name: string; labels: string[] } | undefined {
  const direct = known.get(series);
  if (direct) return { name: series, labels: direct.labels };
  const m = /^(.*)_(bucket|sum|count)$/.exec(series);
  const base = m ? known.get(m[1] as string) : undefined;
  if (!m || !base || !['histogram', 'summary'].includes(base.type)) return undefined;
  return { name: m[1] as string, labels: m[2] === 'bucket' ? [...base.labels, 'le'] : base.labels };
}

/** The label names a selector of this metric may use once scraped (own labels, target labels, exported_*). */
export function scrapedLabels(own: readonly string[]): Set<string> {
  return new Set([...own, ...TARGET_LABELS, ...own.filter((l) => TARGET_LABELS.includes(l)).map((l) => `exported_${l}`)]);
}
