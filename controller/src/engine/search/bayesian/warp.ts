/**
 * Output warping: objective values → standardized targets for the GP. Losses are often heavy-tailed
 * (a few diverged runs at 1e6 next to good runs at 0.1); a GP fitted to raw values then spends its
 * whole variance explaining the outliers. We use a Yeo-Johnson power transform with λ chosen by
 * maximum likelihood (as HEBO does) after a robust median/MAD scaling: it is monotone (so the argmin
 * and EI incumbent are preserved), handles negative values (unlike Box-Cox or a log warp), becomes the
 * identity (λ = 1) when the data are already Gaussian, and keeps magnitudes (unlike a rank warp).
 */

/** How the targets were produced, for documentation and tests. */
export interface Warped {
  /** Standardized warped values, mean 0 and standard deviation 1 (all 0 when the input is constant). */
  y: Float64Array;
  /** The chosen Yeo-Johnson exponent (1 when warping is off). */
  lambda: number;
}

const LIMIT = 1e150;

/** The Yeo-Johnson transform of one value. */
export function yeoJohnson(z: number, lambda: number): number {
  if (z >= 0) return Math.abs(lambda) < 1e-12 ? Math.log1p(z) : (Math.pow(z + 1, lambda) - 1) / lambda;
  return Math.abs(lambda - 2) < 1e-12 ? -Math.log1p(-z) : -(Math.pow(1 - z, 2 - lambda) - 1) / (2 - lambda);
}

function median(sorted: readonly number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m]! : 0.5 * (sorted[m - 1]! + sorted[m]!);
}

/** Replaces ±∞ by the largest/smallest finite value, so an overflowing loss is simply "the worst seen". */
function finiteValues(values: readonly number[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo === Infinity) return values.map(() => 0);
  return values.map((v) => (Number.isFinite(v) ? v : v > 0 ? hi : v < 0 ? lo : hi));
}

/** Robustly centred and scaled values, clamped so later powers cannot overflow. */
function robustScale(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const med = median(sorted);
  const mad = median(sorted.map((v) => Math.abs(v - med)).sort((a, b) => a - b)) * 1.4826;
  let scale = mad;
  if (!(scale > 0)) {
    const mean = values.reduce((s, v) => s + v / values.length, 0);
    scale = Math.sqrt(values.reduce((s, v) => s + ((v - mean) * (v - mean)) / values.length, 0));
  }
  if (!(scale > 0) || !Number.isFinite(scale)) scale = 1;
  return values.map((v) => Math.max(-LIMIT, Math.min(LIMIT, (v - med) / scale)));
}

/** Profile log-likelihood of λ under a Gaussian model of the transformed values. */
function yjLogLikelihood(z: readonly number[], lambda: number): number {
  const n = z.length;
  let mean = 0;
  const t = z.map((v) => yeoJohnson(v, lambda));
  for (const v of t) mean += v / n;
  let variance = 0;
  for (const v of t) variance += ((v - mean) * (v - mean)) / n;
  if (!(variance > 0) || !Number.isFinite(variance)) return -Infinity;
  let jac = 0;
  for (const v of z) jac += Math.sign(v) * Math.log1p(Math.abs(v));
  return -0.5 * n * Math.log(variance) + (lambda - 1) * jac;
}

/** Maximum-likelihood λ in [-2, 2]: a coarse grid, then golden-section refinement around the best. */
function fitLambda(z: readonly number[]): number {
  let best = 1;
  let bestLl = yjLogLikelihood(z, 1);
  for (let l = -2; l <= 2 + 1e-9; l += 0.25) {
    const ll = yjLogLikelihood(z, l);
    if (ll > bestLl) {
      bestLl = ll;
      best = l;
    }
  }
  let a = Math.max(-2, best - 0.25);
  let b = Math.min(2, best + 0.25);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 30; i++) {
    const c = b - g * (b - a);
    const d = a + g * (b - a);
    if (yjLogLikelihood(z, c) >= yjLogLikelihood(z, d)) b = d;
    else a = c;
  }
  const mid = 0.5 * (a + b);
  return yjLogLikelihood(z, mid) >= bestLl ? mid : best;
}

/** Standardizes values to mean 0 / sd 1; constant inputs become all zeros. */
function standardize(values: readonly number[]): Float64Array {
  const n = values.length;
  const y = new Float64Array(n);
  if (n === 0) return y;
  let mean = 0;
  for (const v of values) mean += v / n;
  let variance = 0;
  for (const v of values) variance += ((v - mean) * (v - mean)) / n;
  const sd = Math.sqrt(variance);
  for (let i = 0; i < n; i++) y[i] = sd > 0 && Number.isFinite(sd) ? (values[i]! - mean) / sd : 0;
  return y;
}

/** Turns raw objective values (to be minimized) into GP targets. */
export function warpValues(values: readonly number[], method: "yeo-johnson" | "none"): Warped {
  const finite = finiteValues(values);
  if (method === "none" || finite.length < 3) return { y: standardize(robustScale(finite)), lambda: 1 };
  const z = robustScale(finite);
  const lambda = fitLambda(z);
  return { y: standardize(z.map((v) => yeoJohnson(v, lambda))), lambda };
}
