/**
 * Warm start, pure: which finished trials of earlier jobs fit this job's search space and objective,
 * and how they enter the optimizer (as history told before the job's own suggestions).
 */
import { judgedObjective } from "../api/job-objectives.ts";
import type { Parameter, Params } from "../api/parameters.ts";
import type { TuningJobSpec } from "../api/tuningjob.ts";
import { MAX_WARM_OBSERVATIONS, type WarmObservation } from "../api/warm-start.ts";
import type { HistoryEntry } from "./search/index.ts";
import type { TrialView } from "./job.ts";
import { activeNames, prune } from "../api/conditions.ts";

/** An earlier job as warm start reads it: the metric it optimized and its trials. */
export interface WarmSource {
  job: string;
  metric: string;
  trials: readonly Pick<TrialView, "name" | "index" | "params" | "phase" | "value" | "finishedOrder">[];
}

/** What warm start takes from the earlier jobs: the observations, how many fitting trials were skipped, and why the first was. */
export interface WarmSelection {
  observations: WarmObservation[];
  skipped: number;
  skippedReason?: string;
}

const show = (v: unknown): string => JSON.stringify(v);

/** Why a value does not fit one parameter, or null when it does. */
function valueProblem(p: Parameter, v: Params[string]): string | null {
  switch (p.type) {
    case "categorical":
      return typeof v === "string" && p.values.includes(v) ? null : `${show(v)} is not one of its values ${show(p.values)}`;
    case "discrete":
      return typeof v === "number" && p.values.includes(v) ? null : `${show(v)} is not one of its values ${show(p.values)}`;
    case "int":
    case "double": {
      if (typeof v !== "number" || !Number.isFinite(v)) return `${show(v)} is not a finite number`;
      if (p.type === "int" && !Number.isInteger(v)) return `${v} is not an integer`;
      if (v < p.min) return `${v} is below its min ${p.min}`;
      if (v > p.max) return `${v} is above its max ${p.max}`;
      return null;
    }
  }
}

/**
 * Why a trial's parameters do not fit the declared parameters (an unknown one, a missing active one, or
 * a value outside its domain), or null when they do. A declared parameter that is inactive at this
 * point (`when`) may be present: selectWarm drops it (prune), as this job's trials never carry it.
 */
export function paramsProblem(parameters: readonly Parameter[], params: Params): string | null {
  const declared = new Set(parameters.map((p) => p.name));
  const unknown = Object.keys(params).find((k) => !declared.has(k));
  if (unknown !== undefined) return `parameter "${unknown}" is not declared in this job`;
  const active = activeNames(parameters, params);
  for (const p of parameters) {
    const v = params[p.name];
    if (!active.has(p.name)) continue;
    if (v === undefined) return `parameter "${p.name}" is missing${p.when ? ` (it is active when ${p.when.parameter} is one of ${show(p.when.in)})` : ""}`;
    const problem = valueProblem(p, v);
    if (problem) return `parameter "${p.name}" = ${problem}`;
  }
  return null;
}


/**
 * The observations warm start takes from `sources`, in the order the jobs are named and, within a job,
 * the order its trials finished. A trial counts when it finished with an objective value: Succeeded,
 * or EarlyStopped (its value up to the stop, as its own job's search was told). Failed and unfinished
 * trials are not used: a failure may be the earlier job's template, not the point. A counted trial is
 * skipped when its job optimized another metric, when its parameters do not fit, or past MAX_WARM_OBSERVATIONS.
 */
export function selectWarm(spec: Pick<TuningJobSpec, "parameters" | "objective">, sources: readonly WarmSource[]): WarmSelection {
  const observations: WarmObservation[] = [];
  let skipped = 0;
  let skippedReason: string | undefined;
  const skip = (reason: string): void => {
    skipped++;
    skippedReason ??= reason;
  };
  for (const source of sources) {
    const counted = source.trials
      .filter((t) => (t.phase === "Succeeded" || t.phase === "EarlyStopped") && t.value !== undefined && Number.isFinite(t.value))
      .sort((a, b) => (a.finishedOrder ?? a.index) - (b.finishedOrder ?? b.index) || a.index - b.index);
    for (const t of counted) {
      if (source.metric !== judgedObjective(spec).metric) {
        skip(`job "${source.job}" optimized "${source.metric}", not "${judgedObjective(spec).metric}"`);
        continue;
      }
      const problem = paramsProblem(spec.parameters, t.params);
      if (problem) skip(`${t.name}: ${problem}`);
      else if (observations.length >= MAX_WARM_OBSERVATIONS) skip(`${t.name}: more than ${MAX_WARM_OBSERVATIONS} warm observations`);
      else observations.push({ trial: t.name, params: prune(spec.parameters, t.params), value: t.value as number });
    }
  }
  return { observations, skipped, ...(skippedReason !== undefined ? { skippedReason } : {}) };
}

/** Warm observations as optimizer history: told entries whose ids cannot collide with the job's own trial names. */
export function warmHistory(observations: readonly WarmObservation[]): HistoryEntry[] {
  return observations.map((o) => ({ id: `warm:${o.trial}`, params: o.params, value: o.value }));
}
