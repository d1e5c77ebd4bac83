import { judgedObjective } from "../api/job-objectives.ts";
import type { Results } from "../local/results.ts";
import { chartSections, summaryHtml, type ReportSection } from "../local/report-html.ts";
import { formatNumber, formatObjective } from "../local/views.ts";
import { parallelCoordinates } from "./parallel-coordinates.ts";
import { parseClusterJob } from "./cluster-results.ts";

/** One row of the dashboard's job list. */
export interface JobRow {
  namespace: string;
  name: string;
  phase: string;
  progress: string;
  metric: string;
  best: string;
  bestTrial: string;
  started: string;
  /** Why the job cannot be shown (not a valid kubetune job), else empty. */
  problem: string;
}

/** One row of the dashboard's trial table; the page builds it with text nodes, never as HTML. */
export interface TrialRow {
  name: string;
  index: number;
  outcome: string;
  value: number | null;
  valueText: string;
  steps: number;
  params: Record<string, string | number>;
  /** The parameters as the report prints them (numbers to 4 significant digits); `params` is for sorting. */
  paramsText: Record<string, string>;
  reason: string;
  best: boolean;
}

/** What the page shows of one job: HTML the report's view functions drew (escaped there), and the table's data. */
export interface JobPayload {
  ok: true;
  job: string;
  namespace: string;
  phase: string;
  summary: string;
  sections: ReportSection[];
  parameters: string[];
  metric: string;
  trials: TrialRow[];
}

/** The job list's row of a TuningJob object read from the cluster (untrusted: anything unreadable is described, not thrown). */
export function jobRow(obj: unknown): JobRow {
  const parsed = parseClusterJob(obj);
  const meta = (obj as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  const text = (v: unknown): string => (typeof v === "string" ? v : "");
  if (!parsed.ok) return { namespace: text(meta?.namespace), name: text(meta?.name), phase: "", progress: "", metric: "", best: "", bestTrial: "", started: "", problem: parsed.detail };
  const { job } = parsed;
  const s = job.status ?? {};
  const metric = judgedObjective(job.spec).metric;
  return {
    namespace: job.metadata.namespace,
    name: job.metadata.name,
    phase: s.phase ?? "Pending",
    progress: s.progress ?? `0/${job.spec.budget.maxTrials}`,
    metric,
    best: s.bestTrial ? formatObjective(metric, s.bestTrial.value, s.bestTrial.metrics ?? {}) : "",
    bestTrial: s.bestTrial?.name ?? "",
    started: s.startTime ?? job.metadata.creationTimestamp ?? "",
    problem: "",
  };
}

/** The dashboard's view of one job: the same sections report.html draws, parallel coordinates, and the trial rows. */
export function jobPayload(namespace: string, r: Results): JobPayload {
  const metric = judgedObjective(r.spec).metric;
  return {
    ok: true,
    job: r.job,
    namespace,
    phase: r.status.phase,
    summary: summaryHtml(r),
    sections: [...chartSections(r), { id: "parallel", title: "Parallel coordinates", html: parallelCoordinates(r) }],
    parameters: r.spec.parameters.map((p) => p.name),
    metric,
    trials: r.trials.map((t) => ({
      name: t.name,
      index: t.index,
      outcome: t.outcome ?? t.phase.toLowerCase(),
      value: t.value,
      valueText: t.value === null ? "" : formatObjective(metric, t.value, t.metrics),
      steps: t.curve.length,
      params: t.params,
      paramsText: Object.fromEntries(Object.entries(t.params).map(([k, v]) => [k, typeof v === "number" ? formatNumber(v) : v])),
      reason: t.reason ?? "",
      best: t.name === r.best?.name,
    })),
  };
}
