/** The Pareto front of a multi-objective job's trials, bounded for a status object. */
import type { ObjectiveMetric } from "../api/objective.ts";
import { isMultiObjective, objectiveList, type ObjectiveFields } from "../api/job-objectives.ts";
import type { Params } from "../api/parameters.ts";

import { MAX_FRONT_TRIALS } from "../api/tuningjob.ts";

/** Most trials a job status lists on its front; a wider front keeps the best-spread ones (crowding distance). */
export const MAX_FRONT = MAX_FRONT_TRIALS;

/** A finished trial as the front sees it. */
export interface FrontCandidate {
  name: string;
  index: number;
  params: Params;
  phase: string;
  values?: readonly number[] | undefined;
  feasible?: boolean | undefined;
}

/** A trial on the front, with its objective values in the users' directions. */
export interface FrontMember {
  name: string;
  index: number;
  params: Params;
  values: number[];
}

/** `a` dominates `b`: no worse in every objective and better in one (values oriented for minimization). */
function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

/** NSGA-II crowding distance of each member (∞ for the extremes of any objective): how alone it is on the front. */
function crowding(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  const d = new Array<number>(n).fill(0);
  const m = points[0]?.length ?? 0;
  for (let k = 0; k < m; k++) {
    const order = [...points.keys()].sort((i, j) => (points[i]?.[k] as number) - (points[j]?.[k] as number) || i - j);
    const lo = points[order[0] as number]?.[k] as number;
    const hi = points[order[n - 1] as number]?.[k] as number;
    d[order[0] as number] = Infinity;
    d[order[n - 1] as number] = Infinity;
    if (hi === lo) continue;
    for (let r = 1; r < n - 1; r++) {
      const i = order[r] as number;
      d[i] = (d[i] as number) + ((points[order[r + 1] as number]?.[k] as number) - (points[order[r - 1] as number]?.[k] as number)) / (hi - lo);
    }
  }
  return d;
}

/** A job's front: its size and its best-ranked members (at most the bound). */
export interface Front {
  /** Trials on the whole front (may exceed the members listed). */
  size: number;
  members: FrontMember[];
}

/**
 * The feasible, non-dominated finished trials (succeeded or early-stopped with every objective value),
 * at most `max` of them: a wider front keeps the extremes and then the least crowded members (NSGA-II's
 * crowding distance, recomputed after each removal), so the bound thins the front evenly. Sorted by the first objective, best first; ties by trial index.
 */
export function paretoFront(trials: readonly FrontCandidate[], objectives: readonly ObjectiveMetric[], max = MAX_FRONT): Front {
  const signs = objectives.map((o) => (o.direction === "maximize" ? -1 : 1));
  const candidates = trials
    .filter((t) => (t.phase === "Succeeded" || t.phase === "EarlyStopped") && t.feasible !== false && t.values?.length === objectives.length)
    .map((t) => ({ t, v: (t.values as number[]).map((x, i) => (signs[i] as number) * x) }))
    .filter((c) => c.v.every(Number.isFinite));
  let front = candidates.filter((c) => !candidates.some((o) => dominates(o.v, c.v)));
  const size = front.length;
  // Drop the most crowded member one at a time (crowding recomputed each time), so that a uniform front
  // thins evenly rather than losing one whole stretch to ties; among equally crowded ones the latest goes.
  while (front.length > max) {
    const d = crowding(front.map((c) => c.v));
    let drop = 0;
    for (let i = 1; i < front.length; i++) {
      const di = d[i] as number;
      const dd = d[drop] as number;
      if (di < dd || (di === dd && (front[i]?.t.index as number) > (front[drop]?.t.index as number))) drop = i;
    }
    front = front.filter((_, i) => i !== drop);
  }
  front.sort((a, b) => (a.v[0] as number) - (b.v[0] as number) || a.t.index - b.t.index);
  return { size, members: front.map(({ t }) => ({ name: t.name, index: t.index, params: t.params, values: [...(t.values as number[])] })) };
}

/** A job's front: the Pareto front of its trials for a multi-objective job, empty otherwise. */
export function jobFront(spec: ObjectiveFields, trials: readonly FrontCandidate[]): Front {
  return isMultiObjective(spec) ? paretoFront(trials, objectiveList(spec)) : { size: 0, members: [] };
}
