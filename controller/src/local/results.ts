import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { TuningJobSpec } from "../api/tuningjob.ts";
import { WarmStartStatus } from "../api/warm-start.ts";
import { CurvePoint, TRIAL_PHASES } from "../api/trial.ts";
import type { TrialView, JobEnd } from "../engine/job.ts";

/** How a finished trial ended, as results.json spells it. */
export const OUTCOMES = ["succeeded", "failed", "earlyStopped"] as const;
export type TrialOutcome = (typeof OUTCOMES)[number];

const ParamsRecord = z.record(z.string(), z.union([z.number(), z.string()]));

/** One trial in results.json. */
export const TrialResult = z.object({
  name: z.string(),
  index: z.int().min(0),
  params: ParamsRecord,
  phase: z.enum(TRIAL_PHASES),
  outcome: z.enum(OUTCOMES).nullable(),
  value: z.number().nullable(),
  reason: z.string().optional(),
  metrics: z.record(z.string(), z.number()),
  curve: z.array(CurvePoint),
  finishedOrder: z.int().min(0).optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
});
export type TrialResult = z.infer<typeof TrialResult>;

/** The whole record of a local run: enough to report on it and to resume it. */
export const Results = z.object({
  kubetune: z.literal(1),
  job: z.string(),
  spec: TuningJobSpec,
  status: z.object({
    phase: z.enum(["Running", "Succeeded", "Failed"]),
    reason: z.string().optional(),
    message: z.string().optional(),
  }),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  trials: z.array(TrialResult),
  best: z.object({ name: z.string(), params: ParamsRecord, value: z.number() }).nullable(),
  /** What spec.search.warmStart took from earlier runs, recorded so that --resume tells the search the same. */
  warmStart: WarmStartStatus.optional(),
});
export type Results = z.infer<typeof Results>;

const OUTCOME_OF: Partial<Record<TrialView["phase"], TrialOutcome>> = { Succeeded: "succeeded", Failed: "failed", EarlyStopped: "earlyStopped" };

/** Times at which each trial started and finished, kept by the runner. */
export type TrialTimes = Map<string, { startedAt?: string; finishedAt?: string }>;

/** Builds the results document from the tuner's view of the job. */
export function resultsOf(args: { job: string; spec: TuningJobSpec; trials: readonly TrialView[]; best: TrialView | undefined; end: JobEnd | null; startedAt: string; finishedAt?: string; times: TrialTimes; warmStart?: WarmStartStatus }): Results {
  return {
    kubetune: 1,
    job: args.job,
    spec: args.spec,
    status: args.end ? { phase: args.end.phase, reason: args.end.reason, message: args.end.message } : { phase: "Running" },
    startedAt: args.startedAt,
    ...(args.finishedAt ? { finishedAt: args.finishedAt } : {}),
    trials: args.trials.map((t) => ({
      name: t.name,
      index: t.index,
      params: t.params,
      phase: t.phase,
      outcome: OUTCOME_OF[t.phase] ?? null,
      value: t.value ?? null,
      ...(t.reason !== undefined ? { reason: t.reason } : {}),
      metrics: t.metrics,
      curve: t.curve.filter((p) => Number.isFinite(p.value)),
      ...(t.finishedOrder !== undefined ? { finishedOrder: t.finishedOrder } : {}),
      ...args.times.get(t.name),
    })),
    best: args.best && args.best.value !== undefined ? { name: args.best.name, params: args.best.params, value: args.best.value } : null,
    ...(args.warmStart ? { warmStart: args.warmStart } : {}),
  };
}

/** The trials of a results document as the tuner takes them back on resume. */
export function trialViewsOf(results: Results): TrialView[] {
  return results.trials.map((t) => ({
    name: t.name,
    index: t.index,
    params: t.params,
    phase: t.phase,
    ...(t.value !== null ? { value: t.value } : {}),
    curve: t.curve,
    metrics: t.metrics,
    ...(t.reason !== undefined ? { reason: t.reason } : {}),
    ...(t.finishedOrder !== undefined ? { finishedOrder: t.finishedOrder } : {}),
  }));
}

/** Quotes a CSV field when it needs it (RFC 4180). */
function csvField(v: string | number | null | undefined): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** trials.csv: one row per trial with its parameters, outcome, objective and last metrics. */
export function trialsCsv(results: Results): string {
  const params = results.spec.parameters.map((p) => p.name);
  const metrics = [...new Set(results.trials.flatMap((t) => Object.keys(t.metrics)))].sort();
  const header = ["name", "outcome", "value", ...params.map((p) => `param.${p}`), ...metrics.map((m) => `metric.${m}`), "steps", "reason"];
  const rows = results.trials.map((t) => [
    t.name,
    t.outcome ?? t.phase.toLowerCase(),
    t.value,
    ...params.map((p) => t.params[p]),
    ...metrics.map((m) => t.metrics[m]),
    t.curve.length,
    t.reason,
  ]);
  return [header, ...rows].map((r) => r.map(csvField).join(",")).join("\n") + "\n";
}

/** Writes a file atomically (write + rename), so a crash never leaves half a results.json. */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Writes results.json and trials.csv into the run directory. */
export function saveResults(dir: string, results: Results): void {
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeAtomic(join(dir, "trials.csv"), trialsCsv(results));
}

/** Reads and validates a run directory's results.json; throws an error that says what is wrong with it. */
export function loadResults(dir: string): Results {
  const path = join(dir, "results.json");
  if (!existsSync(dir)) throw new Error(`cannot resume: ${dir} does not exist`);
  if (!existsSync(path)) throw new Error(`cannot resume: ${dir} has no results.json (is it a kubetune run directory?)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`cannot resume: ${path} is not valid JSON (${(e as Error).message}); fix or remove the directory`);
  }
  const parsed = Results.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`cannot resume: ${path} is not a kubetune results file: ${first}`);
  }
  return parsed.data;
}
