/**
 * Pareto dominance for minimized objective vectors: non-dominated sorting (NSGA-II's ranks) and
 * crowding distance, the ranking that multi-objective splits and front truncation use.
 */

/** True when a is at least as good as b in every objective and strictly better in one (all minimized). */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let strict = false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x > y) return false;
    if (x < y) strict = true;
  }
  return strict;
}

/** Non-domination rank of every point: 0 for the Pareto front, 1 for the front once that is removed, and so on. */
export function nondominatedRanks(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  const ranks = new Array<number>(n).fill(-1);
  let left = n;
  for (let rank = 0; left > 0; rank++) {
    const current: number[] = [];
    for (let i = 0; i < n; i++) {
      if (ranks[i] !== -1) continue;
      let dominated = false;
      for (let j = 0; j < n && !dominated; j++) {
        if (j !== i && (ranks[j] === -1 || ranks[j] === rank) && dominates(points[j]!, points[i]!)) dominated = true;
      }
      if (!dominated) current.push(i);
    }
    for (const i of current) ranks[i] = rank;
    left -= current.length;
  }
  return ranks;
}

/** Indices (ascending) of the non-dominated points. */
export function paretoIndices(points: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  points.forEach((p, i) => {
    if (!points.some((q, j) => j !== i && dominates(q, p))) out.push(i);
  });
  return out;
}

/**
 * NSGA-II crowding distance of each point within its set: the sum over objectives of the normalized
 * gap between its neighbours; the extremes of each objective get +∞ so truncation keeps them.
 */
export function crowdingDistances(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  const out = new Array<number>(n).fill(0);
  if (n === 0) return out;
  const m = points[0]!.length;
  for (let k = 0; k < m; k++) {
    const order = points.map((_, i) => i).sort((a, b) => points[a]![k]! - points[b]![k]! || a - b);
    const lo = points[order[0]!]![k]!;
    const hi = points[order[n - 1]!]![k]!;
    out[order[0]!] = Infinity;
    out[order[n - 1]!] = Infinity;
    if (hi === lo) continue;
    for (let r = 1; r < n - 1; r++) out[order[r]!]! += (points[order[r + 1]!]![k]! - points[order[r - 1]!]![k]!) / (hi - lo);
  }
  return out;
}
