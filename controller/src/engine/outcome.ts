/**
 * A trial's outcome beyond its single value: every objective's value and whether it meets the job's
 * constraints. Both are read from the report that gave the trial its value (the judged objective's best
 * or last report: the model a checkpoint-at-best keeps), falling back to the metric's latest report
 * when that report did not carry it (a size measured once at the end).
 */
import type { Constraint, ObjectiveMetric } from "../api/objective.ts";
import { fmt } from "./format.ts";

/** The parts of a trial its outcome is read from. */
export interface OutcomeSource {
  /** Last reported value of each metric. */
  metrics: Readonly<Record<string, number>>;
  /** The objective and constraint metrics as of the report that gave the trial its value. */
  valueMetrics?: Readonly<Record<string, number>> | undefined;
}

/** A metric's value as the outcome reads it: from the value's report, else its latest report. */
function outcomeMetric(t: OutcomeSource, metric: string): number | undefined {
  const v = t.valueMetrics?.[metric] ?? t.metrics[metric];
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/** Every objective's value in the objectives' order (users' directions), or undefined while one is missing. */
export function objectiveValues(t: OutcomeSource, objectives: readonly ObjectiveMetric[]): number[] | undefined {
  const out: number[] = [];
  for (const o of objectives) {
    const v = outcomeMetric(t, o.metric);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

/** The first objective metric a trial has not reported (why it cannot have values), if any. */
export function missingObjective(t: OutcomeSource, objectives: readonly ObjectiveMetric[]): string | undefined {
  return objectives.find((o) => outcomeMetric(t, o.metric) === undefined)?.metric;
}

/** The constraint metrics a trial reported, for the optimizer to learn the feasible region from. */
export function constraintValues(t: OutcomeSource, constraints: readonly Constraint[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of constraints) {
    const v = outcomeMetric(t, c.metric);
    if (v !== undefined) out[c.metric] = v;
  }
  return out;
}

/** Whether a trial meets every constraint; an infeasible one says which bound it broke. */
export type Feasibility = { feasible: true } | { feasible: false; reason: string };

/**
 * Checks a trial against the constraints. A constraint metric the trial never reported makes it
 * infeasible: nothing shows it meets the bound, and the front must only hold trials known to be safe.
 */
export function feasibility(t: OutcomeSource, constraints: readonly Constraint[]): Feasibility {
  const broken: string[] = [];
  for (const c of constraints) {
    const v = outcomeMetric(t, c.metric);
    if (v === undefined) broken.push(`${c.metric} was not reported`);
    else if (c.min !== undefined && v < c.min) broken.push(`${c.metric} = ${fmt(v, 6)} is below min ${c.min}`);
    else if (c.max !== undefined && v > c.max) broken.push(`${c.metric} = ${fmt(v, 6)} is above max ${c.max}`);
  }
  return broken.length === 0 ? { feasible: true } : { feasible: false, reason: broken.join("; ") };
}

/** The objective and constraint metrics of one report merged over the trial's metrics: what `valueMetrics` holds. */
export function snapshotMetrics(metrics: Readonly<Record<string, number>>, names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) {
    const v = metrics[n];
    if (v !== undefined) out[n] = v;
  }
  return out;
}
