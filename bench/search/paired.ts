/**
 * Paired comparison of two algorithms' per-seed regrets: the Wilcoxon signed-rank test on the log
 * ratios, with its exact distribution given the observed ranks (ties share their average rank; zero
 * differences are dropped, as in Wilcoxon's method). A median of 10 seeds flips on one seed; a
 * paired test over many seeds says whether a change made a cell worse or only reshuffled the luck.
 */

/** Regrets at or below this are treated as equal (both found the optimum to float precision). */
const FLOOR = 1e-12;

/** One-sided p-values of the signed-rank test on paired differences (after − before). */
export interface SignedRank {
  /** Pairs that differ (zero differences are dropped). */
  n: number;
  /** P(a statistic this large | no difference): small when `after` tends to be larger (worse, for regrets). */
  pGreater: number;
  /** The same for `after` tending to be smaller (better). */
  pLess: number;
}

/** Average ranks (1-based) of the values, ties sharing the mean of their positions. */
function averageRanks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end] as number] === values[order[start] as number]) end++;
    for (let k = start; k < end; k++) ranks[order[k] as number] = (start + 1 + end) / 2;
    start = end;
  }
  return ranks;
}

/** The Wilcoxon signed-rank test of differences, exact over the 2^n sign patterns of the observed ranks. */
export function signedRank(differences: readonly number[]): SignedRank {
  const nonzero = differences.filter((d) => d !== 0);
  const n = nonzero.length;
  if (n === 0) return { n, pGreater: 1, pLess: 1 };
  // Doubled ranks are integers even with ties, so the null distribution is a subset-sum count.
  const ranks = averageRanks(nonzero.map(Math.abs)).map((r) => Math.round(2 * r));
  const total = ranks.reduce((a, b) => a + b, 0);
  let ways = new Array<number>(total + 1).fill(0);
  ways[0] = 1;
  for (const r of ranks) {
    const next = [...ways];
    for (let s = r; s <= total; s++) next[s] = (next[s] as number) + (ways[s - r] as number);
    ways = next;
  }
  const all = 2 ** n;
  const positive = nonzero.reduce((s, d, i) => (d > 0 ? s + (ranks[i] as number) : s), 0);
  let atLeast = 0;
  let atMost = 0;
  ways.forEach((w, s) => {
    if (s >= positive) atLeast += w;
    if (s <= positive) atMost += w;
  });
  return { n, pGreater: atLeast / all, pLess: atMost / all };
}

/** Summary of one cell: per-seed regrets of the same seeds before and after a change. */
export interface PairedCell {
  seeds: number;
  /** Geometric mean of after/before: below 1 means lower regret after. */
  ratio: number;
  /** Seeds where after is lower than before. */
  better: number;
  /** Seeds where after is higher. */
  worse: number;
  test: SignedRank;
}

/** Compares the per-seed regrets of one cell (the same seeds, in the same order). */
export function comparePaired(before: readonly number[], after: readonly number[]): PairedCell {
  if (before.length !== after.length || before.length === 0) throw new Error(`paired comparison needs the same seeds on both sides (got ${before.length} and ${after.length})`);
  const logs = before.map((b, i) => Math.log(Math.max(FLOOR, after[i] as number)) - Math.log(Math.max(FLOOR, b)));
  return {
    seeds: logs.length,
    ratio: Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length),
    better: logs.filter((d) => d < 0).length,
    worse: logs.filter((d) => d > 0).length,
    test: signedRank(logs),
  };
}
