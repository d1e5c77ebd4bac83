/**
 * The GP covariance: k(x, x') = s² · Matern52(r) · exp(-Σ_c w_c·[x_c ≠ x'_c]), with the ARD distance
 * r² = Σ_j θ_j (x_j - x'_j)² over continuous/ordinal coordinates (θ_j = 1/lengthscale²) and an
 * exponentiated-overlap (Hamming) factor over categorical coordinates, which hold level indices.
 */

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

/** d Matern52 / d(r²), finite at r = 0. */
function matern52Slope(d2: number): number {
  const r = Math.sqrt(d2);
  return (-5 / 6) * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
}

/** Categorical log-factor of the last pairDistance call (a scratch slot, so the hot loop allocates nothing). */
let pairLogCat = 0;

/** Squared scaled distance between rows a and b of X; leaves their categorical log-factor in pairLogCat. */
function pairDistance(layout: KernelLayout, p: KernelParams, X: Float64Array, a: number, b: number): number {
  const D = layout.dims;
  const ra = a * D;
  const rb = b * D;
  let d2 = 0;
  const m = layout.metric;
  for (let j = 0; j < m.length; j++) {
    const q = m[j]!;
    const diff = X[ra + q]! - X[rb + q]!;
    d2 += p.invSq[j]! * diff * diff;
  }
  let logCat = 0;
  const c = layout.categorical;
  for (let k = 0; k < c.length; k++) {
    const q = c[k]!;
    if (X[ra + q] !== X[rb + q]) logCat -= p.catWeight[k]!;
  }
  pairLogCat = logCat;
  return d2;
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

/** The n×n training covariance K + noise·I (row-major, symmetric). */
export function kernelMatrix(layout: KernelLayout, p: KernelParams, X: Float64Array, n: number): Float64Array {
  const K = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    K[a * n + a] = p.signal + p.noise;
    for (let b = 0; b < a; b++) {
      const d2 = pairDistance(layout, p, X, a, b);
      const v = p.signal * matern52(d2) * Math.exp(pairLogCat);
      K[a * n + b] = v;
      K[b * n + a] = v;
    }
  }
  return K;
}

/**
 * Gradient of ½·tr(W·∂K/∂ρ) for every log-hyperparameter ρ, where W = K⁻¹ - ααᵀ; this is the gradient
 * of the negative log marginal likelihood. `noiseExcess` is exp(ρ_noise) (noise above its floor).
 */
export function nllGradient(
  layout: KernelLayout,
  p: KernelParams,
  X: Float64Array,
  n: number,
  W: Float64Array,
  noiseExcess: number,
  out: Float64Array,
): void {
  const nm = layout.metric.length;
  const nc = layout.categorical.length;
  const D = layout.dims;
  out.fill(0);
  let gSignal = 0;
  let gNoise = 0;
  for (let a = 0; a < n; a++) {
    const wa = W[a * n + a]!;
    gSignal += 0.5 * wa * p.signal;
    gNoise += 0.5 * wa * noiseExcess;
    const ra = a * D;
    for (let b = 0; b < a; b++) {
      // Off-diagonal pairs appear twice in the trace, so the ½ cancels.
      const w = W[a * n + b]!;
      const d2 = pairDistance(layout, p, X, a, b);
      const cat = Math.exp(pairLogCat);
      const k0 = p.signal * matern52(d2) * cat;
      gSignal += w * k0;
      const slope = w * p.signal * matern52Slope(d2) * cat;
      const rb = b * D;
      for (let j = 0; j < nm; j++) {
        const q = layout.metric[j]!;
        const diff = X[ra + q]! - X[rb + q]!;
        out[j] = out[j]! + slope * p.invSq[j]! * diff * diff;
      }
      for (let c = 0; c < nc; c++) {
        const q = layout.categorical[c]!;
        if (X[ra + q] !== X[rb + q]) out[nm + c] = out[nm + c]! - w * k0 * p.catWeight[c]!;
      }
    }
  }
  out[nm + nc] = gSignal;
  out[nm + nc + 1] = gNoise;
}
