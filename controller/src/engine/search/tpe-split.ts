/**
 * TPE's split of completed observations into the "below" (good) group and the "above" rest.
 * - One objective: the lowest values (told order breaks ties).
 * - Several objectives (MOTPE, Ozaki et al. 2020/2022): whole non-domination ranks, best first; the
 *   rank that does not fit is cut by greedy hypervolume subset selection, so the good group spreads
 *   along the front instead of piling up at one end.
 * - Constraints (Optuna's constrained TPE): feasible trials first, ranked as above; when the good
 *   group needs more, infeasible ones by increasing violation.
 * Failed observations (value null) are in neither group.
 */
import { hypervolume } from "./hypervolume.ts";
import { nondominatedRanks } from "./pareto.ts";
import type { Observation } from "./types.ts";

/** Minimized objective vector of a usable observation, or null when it failed. */
function vectorOf(o: Observation): readonly number[] | null {
  if (o.value === null || !Number.isFinite(o.value)) return null;
  if (o.values) return o.values.every(Number.isFinite) ? o.values : null;
  return [o.value];
}

/** Greedily picks `k` of the points (indices into points) that add the most hypervolume each time. */
function greedyHypervolumeSubset(points: readonly (readonly number[])[], k: number): number[] {
  const m = points[0]!.length;
  const ref = Array.from({ length: m }, (_, j) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of points) {
      lo = Math.min(lo, p[j]!);
      hi = Math.max(hi, p[j]!);
    }
    return hi + 0.1 * (hi - lo) + 1e-12 * (1 + Math.abs(hi));
  });
  const chosen: number[] = [];
  const left = new Set(points.map((_, i) => i));
  let current = 0;
  while (chosen.length < k) {
    let best = -1;
    let bestVolume = -Infinity;
    for (const i of left) {
      const volume = hypervolume([...chosen.map((c) => points[c]!), points[i]!], ref);
      if (volume > bestVolume + 1e-15 * Math.abs(current)) {
        best = i;
        bestVolume = volume;
      }
    }
    chosen.push(best);
    left.delete(best);
    current = bestVolume;
  }
  return chosen;
}

/** The best `k` of the given observation indices by their objective vectors. */
function bestByObjectives(indices: readonly number[], vectors: readonly (readonly number[])[], k: number): number[] {
  if (k <= 0) return [];
  if (vectors[indices[0]!]!.length === 1) return [...indices].sort((a, b) => vectors[a]![0]! - vectors[b]![0]! || a - b).slice(0, k);
  const ranks = nondominatedRanks(indices.map((i) => vectors[i]!));
  const out: number[] = [];
  for (let rank = 0; out.length < k; rank++) {
    const members = indices.filter((_, r) => ranks[r] === rank);
    if (out.length + members.length <= k) out.push(...members);
    else out.push(...greedyHypervolumeSubset(members.map((i) => vectors[i]!), k - out.length).map((r) => members[r]!));
  }
  return out;
}

/**
 * Splits observations into below/above index lists (each ascending, i.e. in told order).
 * `gamma(n)` is how many of the n usable observations go below (clamped to [0, n]).
 */
export function splitObservations(observations: readonly Observation[], gamma: (n: number) => number): { below: number[]; above: number[] } {
  const vectors: (readonly number[])[] = [];
  const usable: number[] = [];
  observations.forEach((o, i) => {
    const v = vectorOf(o);
    vectors.push(v ?? []);
    if (v) usable.push(i);
  });
  const k = Math.max(0, Math.min(usable.length, Math.round(gamma(usable.length))));
  const feasible = usable.filter((i) => (observations[i]!.violation ?? 0) === 0);
  let below: number[];
  if (k <= feasible.length) {
    below = bestByObjectives(feasible, vectors, k);
  } else {
    const infeasible = usable
      .filter((i) => (observations[i]!.violation ?? 0) > 0)
      .sort((a, b) => observations[a]!.violation! - observations[b]!.violation! || a - b);
    below = [...feasible, ...infeasible.slice(0, k - feasible.length)];
  }
  const inBelow = new Set(below);
  return { below: [...inBelow].sort((a, b) => a - b), above: usable.filter((i) => !inBelow.has(i)) };
}
