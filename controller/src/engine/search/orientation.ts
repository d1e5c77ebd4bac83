/**
 * From told results to what the algorithms see: every objective oriented for minimization, bad
 * values handled, and each success's constraint violation; plus the feasible Pareto front.
 */
import type { Constraint } from "../../api/objective.ts";
import type { Params } from "../../api/parameters.ts";
import { crowdingDistances, paretoIndices } from "./pareto.ts";
import type { Observation } from "./types.ts";

/** A told result as the optimizer keeps it. */
export interface Told {
  id: string;
  params: Params;
  /** Raw value as told (for a multi-objective job its first objective), or null for a failure. */
  raw: number | null;
  /** Raw values as told, in objectives order (multi-objective jobs only). */
  values?: readonly number[];
  /** Reported metrics (constraint metrics among them). */
  metrics?: Readonly<Record<string, number>>;
}

/** What orientation needs to know about the job: one sign per objective (-1 maximizes) and the constraints. */
export interface Orientation {
  signs: readonly (1 | -1)[];
  constraints: readonly Constraint[];
}

/**
 * Oriented values for the algorithms (always minimized). Non-finite values (NaN, ±∞ — a diverged
 * trial) count as the worst finite value told so far, so the search learns to avoid that region;
 * while no finite value exists they count as failures.
 */
export function orientedObservations(told: readonly Told[], sign: 1 | -1): Observation[] {
  let worst = -Infinity;
  for (const t of told) if (t.raw !== null && Number.isFinite(t.raw)) worst = Math.max(worst, sign * t.raw);
  return told.map((t) => {
    if (t.raw === null) return { params: t.params, value: null };
    if (Number.isFinite(t.raw)) return { params: t.params, value: sign * t.raw };
    return { params: t.params, value: Number.isFinite(worst) ? worst : null };
  });
}

/**
 * How far reported metrics are outside the constraints: the sum of each bound's excess (0 when
 * feasible). A constraint metric that was not reported, or is not finite, gives +∞: a trial that
 * cannot show it meets a bound is not trusted to (as a safety metric would be treated).
 */
export function violationOf(metrics: Readonly<Record<string, number>> | undefined, constraints: readonly Constraint[]): number {
  let total = 0;
  for (const c of constraints) {
    const v = metrics?.[c.metric];
    if (v === undefined || !Number.isFinite(v)) return Infinity;
    if (c.max !== undefined && v > c.max) total += v - c.max;
    if (c.min !== undefined && v < c.min) total += c.min - v;
  }
  return total;
}

/** The observations the algorithms get: `value` as for a single objective, plus `values` and `violation` where the job has them. */
export function observationsFor(told: readonly Told[], job: Orientation): Observation[] {
  const base = orientedObservations(told, job.signs[0] ?? 1);
  const multi = job.signs.length > 1;
  const constrained = job.constraints.length > 0;
  return base.map((o, i) => {
    const t = told[i]!;
    if (t.raw === null || o.value === null) return o;
    const out: Observation = { ...o };
    if (multi && t.values) out.values = t.values.map((v, k) => (job.signs[k] ?? 1) * v);
    if (constrained) out.violation = violationOf(t.metrics, job.constraints);
    return out;
  });
}

/** A member of the Pareto front, with values in the users' directions. */
export interface FrontMember {
  id: string;
  params: Params;
  values: number[];
}

/**
 * The feasible, non-dominated told results in told order. With `limit`, a larger front is cut to
 * that many by crowding distance (the extremes of every objective are kept first).
 */
export function paretoFrontOf(told: readonly Told[], job: Orientation, limit?: number): FrontMember[] {
  const candidates = told.filter((t) => {
    if (t.raw === null) return false;
    const raw = t.values ?? [t.raw];
    return raw.every(Number.isFinite) && (job.constraints.length === 0 || violationOf(t.metrics, job.constraints) === 0);
  });
  const oriented = candidates.map((t) => (t.values ?? [t.raw as number]).map((v, k) => (job.signs[k] ?? 1) * v));
  let keep = paretoIndices(oriented);
  if (limit !== undefined && keep.length > limit) {
    const crowding = crowdingDistances(keep.map((i) => oriented[i]!));
    keep = keep
      .map((i, r) => ({ i, c: crowding[r]! }))
      .sort((a, b) => b.c - a.c || a.i - b.i)
      .slice(0, limit)
      .map((e) => e.i)
      .sort((a, b) => a - b);
  }
  return keep.map((i) => {
    const t = candidates[i]!;
    return { id: t.id, params: { ...t.params }, values: [...(t.values ?? [t.raw as number])] };
  });
}
