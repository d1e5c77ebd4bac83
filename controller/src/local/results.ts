import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { TuningJobSpec } from "../api/tuningjob.ts";
import { WarmStartStatus } from "../api/warm-start.ts";
import { CurvePoint, TRIAL_PHASES } from "../api/trial.ts";
import type { TrialView } from "../engine/job.ts";
import type { FrontMember } from "../engine/front.ts";
import { isMultiObjective, judgedObjective, objectiveList } from "../api/job-objectives.ts";
import { parameterImportance } from "../engine/importance.ts";

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
  /** Multi-objective jobs: every objective's value, in spec.objectives order. */
  values: z.array(z.number()).optional(),
  /** The objective and constraint metrics as of the report that gave the trial its value. */
  valueMetrics: z.record(z.string(), z.number()).optional(),
  /** Jobs with constraints: whether the finished trial met them all. */
  feasible: z.boolean().optional(),
  infeasibleReason: z.string().optional(),
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
  /** Multi-objective jobs: the feasible Pareto front (at most MAX_FRONT trials), best first by the first objective. */
  front: z.array(z.object({ name: z.string(), index: z.int().min(0), params: ParamsRecord, values: z.array(z.number()) })).optional(),
  /** Parameter importance over the succeeded and early-stopped trials (PED-ANOVA), descending; empty while too few have finished. */
  importance: z.array(z.object({ parameter: z.string(), importance: z.number() })).optional(),
  /** What spec.search.warmStart took from earlier runs, recorded so that --resume tells the search the same. */
  warmStart: WarmStartStatus.optional(),
});
export type Results = z.infer<typeof Results>;

const OUTCOME_OF: Partial<Record<TrialView["phase"], TrialOutcome>> = { Succeeded: "succeeded", Failed: "failed", EarlyStopped: "earlyStopped" };

/** Times at which each trial started and finished, kept by the runner. */
export type TrialTimes = Map<string, { startedAt?: string; finishedAt?: string }>;

/** How a job ended, as results.json records it: the engine's JobEnd locally, a TuningJob's status in a cluster. */
export interface ResultsEnd {
  phase: "Succeeded" | "Failed";
  reason?: string;
  message?: string;
}

/** Builds the results document from the tuner's view of the job (a local run's, or one read from a cluster). */
export function resultsOf(args: { job: string; spec: TuningJobSpec; trials: readonly TrialView[]; best: TrialView | undefined; front?: readonly FrontMember[]; end: ResultsEnd | null; startedAt: string; finishedAt?: string; times: TrialTimes; warmStart?: WarmStartStatus }): Results {
  const finished = args.trials.flatMap((t) => (t.phase === "Succeeded" || t.phase === "EarlyStopped" ? [{ ...t, outcome: OUTCOME_OF[t.phase] }] : []));
  return {
    kubetune: 1,
    job: args.job,
    spec: args.spec,
    status: args.end ? { phase: args.end.phase, ...(args.end.reason !== undefined ? { reason: args.end.reason } : {}), ...(args.end.message !== undefined ? { message: args.end.message } : {}) } : { phase: "Running" },
    startedAt: args.startedAt,
    ...(args.finishedAt ? { finishedAt: args.finishedAt } : {}),
    trials: args.trials.map((t) => ({
      name: t.name,
      index: t.index,
      params: t.params,
      phase: t.phase,
      outcome: OUTCOME_OF[t.phase] ?? null,
      value: t.value ?? null,
      ...outcomeFields(t),
      ...(t.reason !== undefined ? { reason: t.reason } : {}),
      metrics: t.metrics,
      curve: t.curve.filter((p) => Number.isFinite(p.value)),
      ...(t.finishedOrder !== undefined ? { finishedOrder: t.finishedOrder } : {}),
      ...args.times.get(t.name),
    })),
    best: args.best && args.best.value !== undefined ? { name: args.best.name, params: args.best.params, value: args.best.value } : null,
    ...(isMultiObjective(args.spec) ? { front: (args.front ?? []).map((m) => ({ name: m.name, index: m.index, params: m.params, values: m.values })) } : {}),
    ...(args.warmStart ? { warmStart: args.warmStart } : {}),
    importance: parameterImportance(args.spec.parameters, finished, judgedObjective(args.spec).direction),
  };
}

/** A trial's values, outcome metrics and feasibility, where it has them (the same fields in results.json and TrialView). */
function outcomeFields(t: Pick<TrialView, "values" | "valueMetrics" | "feasible" | "infeasibleReason">): Pick<TrialView, "values" | "valueMetrics" | "feasible" | "infeasibleReason"> {
  return {
    ...(t.values !== undefined ? { values: t.values } : {}),
    ...(t.valueMetrics !== undefined ? { valueMetrics: t.valueMetrics } : {}),
    ...(t.feasible !== undefined ? { feasible: t.feasible } : {}),
    ...(t.infeasibleReason !== undefined ? { infeasibleReason: t.infeasibleReason } : {}),
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
    ...outcomeFields(t),
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

/**
 * trials.csv: one row per trial with its parameters, outcome, objective and last metrics; a
 * multi-objective job adds each objective's value (`objective.<metric>`) and `front` (true on the
 * Pareto front), a job with constraints adds `feasible`.
 */
export function trialsCsv(results: Results): string {
  const params = results.spec.parameters.map((p) => p.name);
  const metrics = [...new Set(results.trials.flatMap((t) => Object.keys(t.metrics)))].sort();
  const multi = isMultiObjective(results.spec);
  const objectives = multi ? objectiveList(results.spec).map((o) => o.metric) : [];
  const constrained = (results.spec.constraints ?? []).length > 0;
  const onFront = new Set((results.front ?? []).map((m) => m.name));
  const header = ["name", "outcome", "value", ...objectives.map((m) => `objective.${m}`), ...(multi ? ["front"] : []), ...(constrained ? ["feasible"] : []), ...params.map((p) => `param.${p}`), ...metrics.map((m) => `metric.${m}`), "steps", "reason"];
  const rows = results.trials.map((t) => [
    t.name,
    t.outcome ?? t.phase.toLowerCase(),
    t.value,
    ...objectives.map((_, i) => t.values?.[i]),
    ...(multi ? [String(onFront.has(t.name))] : []),
    ...(constrained ? [t.feasible === undefined ? "" : String(t.feasible)] : []),
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
