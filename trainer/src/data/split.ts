import { permutation, mulberry32 } from "../rng.ts";

/** Row indices of one training/validation split. */
export interface Split {
  train: Int32Array;
  val: Int32Array;
}

/** A seeded holdout split: `valFraction` of the rows (at least one) go to validation. */
export function holdoutSplit(n: number, valFraction: number, seed: number): Split {
  if (n < 2) throw new Error(`need at least 2 rows to split into training and validation, got ${n}`);
  const p = permutation(n, mulberry32(seed));
  const nVal = Math.min(n - 1, Math.max(1, Math.round(n * valFraction)));
  return { val: p.slice(0, nVal), train: p.slice(nVal) };
}

/** Seeded k-fold cross-validation: every row is validated exactly once; fold sizes differ by at most one. */
export function kFoldSplits(n: number, k: number, seed: number): Split[] {
  if (k < 2 || k > n) throw new Error(`folds=${k} needs 2 ≤ folds ≤ rows (${n})`);
  const p = permutation(n, mulberry32(seed));
  const splits: Split[] = [];
  for (let f = 0; f < k; f++) {
    const start = Math.floor((f * n) / k);
    const end = Math.floor(((f + 1) * n) / k);
    splits.push({ val: p.slice(start, end), train: Int32Array.from([...p.subarray(0, start), ...p.subarray(end)]) });
  }
  return splits;
}

/** Column means and standard deviations of the given rows (a constant column gets std 1). */
export function columnStats(x: Float32Array, features: number, rows: Int32Array): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(features);
  const std = new Float64Array(features);
  for (const r of rows) for (let j = 0; j < features; j++) mean[j] = (mean[j] as number) + (x[r * features + j] as number);
  for (let j = 0; j < features; j++) mean[j] = (mean[j] as number) / rows.length;
  for (const r of rows) for (let j = 0; j < features; j++) std[j] = (std[j] as number) + ((x[r * features + j] as number) - (mean[j] as number)) ** 2;
  for (let j = 0; j < features; j++) std[j] = Math.sqrt((std[j] as number) / rows.length) || 1;
  return { mean, std };
}

/** Standardizes row-major features in place with the given statistics. */
export function standardize(x: Float32Array, features: number, stats: { mean: Float64Array; std: Float64Array }): Float32Array {
  for (let i = 0; i < x.length; i++) {
    const j = i % features;
    x[i] = ((x[i] as number) - (stats.mean[j] as number)) / (stats.std[j] as number);
  }
  return x;
}
