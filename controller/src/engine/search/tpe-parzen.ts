/**
 * The Parzen estimator of one TPE group (a set of dimensions modelled jointly), as Optuna's
 * `_ParzenEstimator`: one kernel per observation plus a prior kernel, weighted (older observations
 * count less beyond 25). Numeric kernels are normals truncated to the unit cube (an ordinal dimension
 * integrates its kernel over its level's bucket); the prior is N(0.5, 1). Categorical kernels put
 * prior/(n+1) on every category and 1 more on the observed one; the prior is uniform.
 */
import type { Rng } from "./rng.ts";
import type { Space } from "./space.ts";

/** Observations beyond this many (oldest first) get linearly decreasing weights, as in Optuna. */
const FLAT_WEIGHTS = 25;
const TINY = 1e-300;

/** Settings of the estimator. */
export interface ParzenOptions {
  /** Weight of the prior kernel relative to an observation's (0: no prior while there are observations). */
  priorWeight: number;
}

/** A group's density over its dimensions `dims` (indices into the space). */
export interface Parzen {
  dims: readonly number[];
  logWeights: number[];
  /** mus[k][g], sigmas[k][g], logZ[k][g]: kernel k in the group's g-th dimension (numeric dimensions). */
  mus: number[][];
  sigmas: number[][];
  logZ: number[][];
  /** logProbs[k][g]: kernel k's log probabilities over the categories of the g-th dimension (categorical dimensions). */
  logProbs: number[][][];
}

/** Optuna's default observation weights: flat for the newest 25, a ramp from 1/n for older ones. */
export function observationWeights(n: number): number[] {
  if (n < FLAT_WEIGHTS) return new Array<number>(n).fill(1);
  const ramp = n - FLAT_WEIGHTS;
  return Array.from({ length: n }, (_, i) => (i < ramp ? 1 / n + ((1 - 1 / n) * i) / Math.max(1, ramp - 1) : 1));
}

/** Standard normal CDF, via a rational erfc approximation (relative error < 1.2e-7). */
function phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Mass of N(mu, sigma) in [lo, hi], computed on the side of the tail that keeps precision. */
function mass(lo: number, hi: number, mu: number, sigma: number): number {
  const a = (lo - mu) / sigma;
  const b = (hi - mu) / sigma;
  return a > 0 ? phi(-a) - phi(-b) : phi(b) - phi(a);
}

/**
 * Optuna 5's bandwidths (used for joint kernels too): each kernel's σ is the larger gap to its
 * neighbours among the sorted observations and the ends of [0, 1]; the outermost kernels take the gap
 * on their inner side, so the ends do not widen them.
 */
function neighbourSigmas(mus: readonly number[]): number[] {
  const order = mus.map((_, i) => i).sort((a, b) => (mus[a] as number) - (mus[b] as number));
  const sorted = [0, ...order.map((i) => mus[i] as number), 1];
  const gaps = order.map((_, r) => Math.max((sorted[r + 1] as number) - (sorted[r] as number), (sorted[r + 2] as number) - (sorted[r + 1] as number)));
  if (sorted.length >= 4) {
    gaps[0] = (sorted[2] as number) - (sorted[1] as number);
    gaps[gaps.length - 1] = (sorted[sorted.length - 2] as number) - (sorted[sorted.length - 3] as number);
  }
  const out = new Array<number>(mus.length);
  order.forEach((i, r) => (out[i] = gaps[r] as number));
  return out;
}

/** Builds the estimator of `dims` from unit-cube points (in told order, the newest last); `weights` replaces the default observation weights. */
export function buildParzen(space: Space, dims: readonly number[], points: readonly (readonly number[])[], options: ParzenOptions, weights?: readonly number[]): Parzen {
  const n = points.length;
  const raw = n === 0 ? [] : (weights ?? observationWeights(n));
  const withPrior = n === 0 || options.priorWeight <= 0 ? (n === 0 ? [1] : raw) : [...raw, options.priorWeight];
  const total = withPrior.reduce((a, b) => a + b, 0);
  const logWeights = withPrior.map((w) => Math.log(w / total));
  const K = logWeights.length;
  const minSigma = 1 / Math.min(100, n + 2);
  const mus: number[][] = Array.from({ length: K }, () => []);
  const sigmas: number[][] = Array.from({ length: K }, () => []);
  const logZ: number[][] = Array.from({ length: K }, () => []);
  const logProbs: number[][][] = Array.from({ length: K }, () => []);
  dims.forEach((j, g) => {
    const dim = space.dimensions[j];
    if (!dim) return;
    const xs = points.map((p) => p[j] as number);
    if (dim.kind === "categorical") {
      const L = dim.levels;
      const smooth = options.priorWeight / (n + 1);
      for (let k = 0; k < K; k++) {
        const probs = new Array<number>(L).fill(k < n ? smooth : 1 / L);
        const observed = space.levelOf(j, xs[k] as number);
        if (k < n) probs[observed] = (probs[observed] as number) + 1;
        const sum = probs.reduce((a, b) => a + b, 0);
        (logProbs[k] as number[][])[g] = probs.map((q) => Math.log(q / sum + TINY));
      }
      return;
    }
    const own = neighbourSigmas(xs);
    for (let k = 0; k < K; k++) {
      const prior = k >= n;
      const mu = prior ? 0.5 : (xs[k] as number);
      const sigma = prior ? 1 : Math.min(1, Math.max(minSigma, own[k] as number));
      (mus[k] as number[])[g] = mu;
      (sigmas[k] as number[])[g] = sigma;
      (logZ[k] as number[])[g] = Math.log(mass(0, 1, mu, sigma) + TINY);
    }
  });
  return { dims, logWeights, mus, sigmas, logZ, logProbs };
}

function logSumExp(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  if (m === -Infinity) return m;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Log density of the estimator at the unit point x (only the group's coordinates are read). */
export function logDensity(space: Space, est: Parzen, x: readonly number[]): number {
  const parts = est.logWeights.map((lw, k) => {
    let s = lw;
    est.dims.forEach((j, g) => {
      const dim = space.dimensions[j];
      if (!dim) return;
      const xj = x[j] as number;
      if (dim.kind === "categorical") {
        s += ((est.logProbs[k] as number[][])[g] as number[])[space.levelOf(j, xj)] as number;
        return;
      }
      const mu = (est.mus[k] as number[])[g] as number;
      const sigma = (est.sigmas[k] as number[])[g] as number;
      const logZ = (est.logZ[k] as number[])[g] as number;
      if (dim.kind === "ordinal") {
        const level = space.levelOf(j, xj);
        s += Math.log(mass(level / dim.levels, (level + 1) / dim.levels, mu, sigma) + TINY) - logZ;
      } else {
        const t = (xj - mu) / sigma;
        s += -0.5 * t * t - Math.log(sigma) - LOG_SQRT_2PI - logZ;
      }
    });
    return s;
  });
  return logSumExp(parts);
}

/** Draws from a normal truncated to [0, 1] by rejection (acceptance ≥ ~1/3 because σ ≤ 1 and μ ∈ [0, 1]). */
function truncatedNormal(mu: number, sigma: number, rng: Rng): number {
  for (let i = 0; i < 64; i++) {
    const x = mu + sigma * rng.normal();
    if (x >= 0 && x <= 1) return x;
  }
  return Math.min(1, Math.max(0, mu));
}

/** Draws the group's coordinates of one point into x (one kernel, picked by weight, for the whole group). */
export function sampleInto(space: Space, est: Parzen, rng: Rng, x: number[]): void {
  let u = rng.next();
  let k = est.logWeights.length - 1;
  for (let i = 0; i < est.logWeights.length; i++) {
    u -= Math.exp(est.logWeights[i] as number);
    if (u < 0) {
      k = i;
      break;
    }
  }
  est.dims.forEach((j, g) => {
    const dim = space.dimensions[j];
    if (!dim) return;
    if (dim.kind === "categorical") {
      const logProbs = (est.logProbs[k] as number[][])[g] as number[];
      let v = rng.next();
      let level = logProbs.length - 1;
      for (let c = 0; c < logProbs.length; c++) {
        v -= Math.exp(logProbs[c] as number);
        if (v < 0) {
          level = c;
          break;
        }
      }
      x[j] = (level + 0.5) / dim.levels;
      return;
    }
    const v = truncatedNormal((est.mus[k] as number[])[g] as number, (est.sigmas[k] as number[])[g] as number, rng);
    // Ordinal draws snap to their bucket centre so the density and the suggested value agree.
    x[j] = dim.kind === "ordinal" ? (space.levelOf(j, v) + 0.5) / dim.levels : v;
  });
}
