/**
 * The GP covariance: k(x, x') = s² · Matern52(r) · exp(-Σ_c w_c·[x_c ≠ x'_c]), with the ARD distance
 * r² = Σ_j θ_j (x_j - x'_j)² over continuous/ordinal coordinates (θ_j = 1/lengthscale²) and an
 * exponentiated-overlap (Hamming) factor over categorical coordinates, which hold level indices.
 */

import { rowStart } from "./linalg.ts";

const SQRT5 = Math.sqrt(5);

/** Which coordinates of an encoded point feed which part of the kernel. */
export interface KernelLayout {
  /** Total coordinates per point. */
  dims: number;
  /** Coordinates in [0, 1] compared by distance (continuous and ordinal parameters). */
  metric: readonly number[];
  /** Coordinates holding a categorical level index, compared by equality. */
  categorical: readonly number[];
}

/** Kernel hyperparameters in natural units. */
export interface KernelParams {
  /** Inverse squared lengthscale per metric coordinate. */
  invSq: Float64Array;
  /** Mismatch weight per categorical coordinate. */
  catWeight: Float64Array;
  /** Signal variance s². */
  signal: number;
  /** Observation noise variance (already including its floor). */
  noise: number;
}

/** Number of log-hyperparameters: one per coordinate, plus signal and noise. */
export function hyperCount(layout: KernelLayout): number {
  return layout.metric.length + layout.categorical.length + 2;
}

/** Maps the log-parameter vector [log θ…, log w…, log s², log(noise - floor)] to natural units. */
export function paramsFromLog(layout: KernelLayout, rho: ArrayLike<number>, noiseFloor: number): KernelParams {
  const nm = layout.metric.length;
  const nc = layout.categorical.length;
  const invSq = new Float64Array(nm);
  const catWeight = new Float64Array(nc);
  for (let j = 0; j < nm; j++) invSq[j] = Math.exp(rho[j]!);
  for (let c = 0; c < nc; c++) catWeight[c] = Math.exp(rho[nm + c]!);
  return { invSq, catWeight, signal: Math.exp(rho[nm + nc]!), noise: noiseFloor + Math.exp(rho[nm + nc + 1]!) };
}

/** Matern-5/2 correlation as a function of the squared scaled distance. */
export function matern52(d2: number): number {
  const r = Math.sqrt(d2);
  return (1 + SQRT5 * r + (5 / 3) * d2) * Math.exp(-SQRT5 * r);
}

/** Kernel correlation (covariance / s²) between row a of X and an encoded point x. */
export function correlationAt(layout: KernelLayout, p: KernelParams, X: Float64Array, a: number, x: ArrayLike<number>): number {
  const ra = a * layout.dims;
  let d2 = 0;
  const m = layout.metric;
  for (let j = 0; j < m.length; j++) {
    const q = m[j]!;
    const diff = X[ra + q]! - x[q]!;
    d2 += p.invSq[j]! * diff * diff;
  }
  let logCat = 0;
  const c = layout.categorical;
  for (let k = 0; k < c.length; k++) {
    const q = c[k]!;
    if (X[ra + q] !== x[q]) logCat -= p.catWeight[k]!;
  }
  return matern52(d2) * Math.exp(logCat);
}

/**
 * Covariances k(x, X_i) for rows i < n of X, with x = xs[ix..ix+dims), written to out[io..io+n). The
 * one kernel evaluation used by the posterior, for its training matrix as for predictions, so a
 * factor extended row by row equals one built at once.
 */
export function crossCovariance(
  layout: KernelLayout,
  p: KernelParams,
  X: Float64Array,
  n: number,
  xs: Float64Array,
  ix: number,
  out: Float64Array,
  io: number,
): void {
  const D = layout.dims;
  const metric = layout.metric;
  const categorical = layout.categorical;
  const nm = metric.length;
  const nc = categorical.length;
  const { invSq, catWeight, signal } = p;
  for (let i = 0; i < n; i++) {
    const ri = i * D;
    let d2 = 0;
    for (let j = 0; j < nm; j++) {
      const q = metric[j]!;
      const diff = X[ri + q]! - xs[ix + q]!;
      d2 += invSq[j]! * diff * diff;
    }
    let logCat = 0;
    for (let c = 0; c < nc; c++) {
      const q = categorical[c]!;
      if (X[ri + q] !== xs[ix + q]) logCat -= catWeight[c]!;
    }
    const r = Math.sqrt(d2);
    out[io + i] = signal * (1 + SQRT5 * r + (5 / 3) * d2) * Math.exp(logCat - SQRT5 * r);
  }
}

/** Fills rows [from, to) of the training covariance K + noise·I, packed by rows (see linalg.ts). */
export function kernelRows(layout: KernelLayout, p: KernelParams, X: Float64Array, from: number, to: number, K: Float64Array): void {
  for (let a = from; a < to; a++) {
    const r = rowStart(a);
    crossCovariance(layout, p, X, a, X, a * layout.dims, K, r);
    K[r + a] = p.signal + p.noise;
  }
}
