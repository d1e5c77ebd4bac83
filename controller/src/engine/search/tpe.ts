/**
 * Tree-structured Parzen estimator (Bergstra et al. 2011; Optuna's TPESampler, univariate or multivariate).
 * Completed observations are split into a "good" group (the best ⌈γ·n⌉, at most maxGood) and the
 * rest; each group becomes a mixture of one kernel per observation plus a wide prior, and the
 * suggestion is the candidate drawn from the good density that maximizes log l(x) − log g(x).
 * Numeric kernels are truncated normals on the unit cube (ordinal dimensions integrate the kernel
 * over their bucket); categorical kernels put extra mass on the observed category.
 */
import type { Params } from "../../api/parameters.ts";
import { createRng, type Rng } from "./rng.ts";
import { createSobol } from "./sobol.ts";
import type { Space } from "./space.ts";
import type { TpeSettings } from "../../api/search-settings.ts";
import { splitObservations } from "./tpe-split.ts";
import type { Algorithm, Observation } from "./types.ts";

const TPE_STREAM = 0x7be5;
/** Optuna's bandwidth constant for multivariate kernels (a Scott-style rule scaled to the range). */
const SIGMA0 = 0.2;
/** Observations beyond this many (oldest first) get linearly decreasing weights, as in Optuna. */
const FLAT_WEIGHTS = 25;

/** One group's density: kernels (one per observation, then the prior) with normalized log weights. */
interface Mixture {
  logWeights: number[];
  /** mus[k][j]: kernel k's centre in numeric dimension j (ignored for categorical dimensions). */
  mus: number[][];
  /** sigma[j]: bandwidth of numeric dimension j (shared by the observation kernels). */
  sigma: number[];
  /** cat[k][j]: kernel k's probabilities over the categories of dimension j (empty for numeric dimensions). */
  cat: number[][][];
}

/** Optuna's default observation weights: flat for the newest 25, a ramp for older ones. */
function observationWeights(n: number): number[] {
  if (n < FLAT_WEIGHTS) return new Array<number>(n).fill(1);
  const ramp = n - FLAT_WEIGHTS;
  return Array.from({ length: n }, (_, i) => (i < ramp ? 1 / n + ((1 - 1 / n) * i) / Math.max(1, ramp - 1) : 1));
}

/** Builds the Parzen mixture of a group of unit-cube points (in told order). */
function buildMixture(space: Space, points: readonly number[][], settings: TpeSettings): Mixture {
  const d = space.dimensions.length;
  const n = points.length;
  const raw = observationWeights(n);
  const withPrior = settings.priorWeight > 0 ? [...raw, settings.priorWeight] : raw;
  const total = withPrior.reduce((a, b) => a + b, 0);
  const logWeights = withPrior.map((w) => Math.log(w / total));
  const bw = SIGMA0 * Math.max(n, 1) ** (-1 / (d + 4));
  const minSigma = 1 / Math.min(100, 1 + n);
  const sigma = space.dimensions.map(() => Math.min(1, Math.max(minSigma, bw)));
  const mus = points.map((p) => [...p]);
  const cat: number[][][] = points.map(() => []);
  space.dimensions.forEach((dim, j) => {
    if (dim.kind !== "categorical") return;
    const L = dim.levels;
    const smooth = settings.priorWeight / (n + (settings.priorWeight > 0 ? 1 : 0));
    points.forEach((p, k) => {
      const probs = new Array<number>(L).fill(smooth);
      const level = space.levelOf(j, p[j] as number);
      probs[level] = (probs[level] as number) + 1;
      const sum = probs.reduce((a, b) => a + b, 0);
      (cat[k] as number[][])[j] = probs.map((x) => x / sum);
    });
  });
  if (settings.priorWeight > 0) {
    mus.push(new Array<number>(d).fill(0.5));
    cat.push(space.dimensions.map((dim) => (dim.kind === "categorical" ? new Array<number>(dim.levels).fill(1 / dim.levels) : [])));
  }
  return { logWeights, mus, sigma, cat };
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

const TINY = 1e-300;

/** Log density of one kernel in one dimension at unit coordinate x. */
function logKernel(space: Space, j: number, x: number, mu: number, sigma: number, probs: readonly number[]): number {
  const dim = space.dimensions[j];
  if (!dim) return 0;
  if (dim.kind === "categorical") return Math.log((probs[space.levelOf(j, x)] ?? 0) + TINY);
  const z = mass(0, 1, mu, sigma) + TINY;
  if (dim.kind === "ordinal") {
    const level = space.levelOf(j, x);
    return Math.log(mass(level / dim.levels, (level + 1) / dim.levels, mu, sigma) + TINY) - Math.log(z);
  }
  const t = (x - mu) / sigma;
  return -0.5 * t * t - Math.log(sigma * Math.sqrt(2 * Math.PI)) - Math.log(z);
}

function logSumExp(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  if (m === -Infinity) return m;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

/** Log density of a mixture at x: joint kernels (multivariate) or a product of per-dimension mixtures. */
function logDensity(space: Space, mix: Mixture, x: readonly number[], multivariate: boolean): number {
  const d = space.dimensions.length;
  const K = mix.logWeights.length;
  const term = (k: number, j: number): number =>
    logKernel(space, j, x[j] as number, (mix.mus[k] as number[])[j] as number, mix.sigma[j] as number, (mix.cat[k] as number[][])[j] ?? []);
  if (multivariate) {
    const parts: number[] = [];
    for (let k = 0; k < K; k++) {
      let s = mix.logWeights[k] as number;
      for (let j = 0; j < d; j++) s += term(k, j);
      parts.push(s);
    }
    return logSumExp(parts);
  }
  let total = 0;
  for (let j = 0; j < d; j++) {
    const parts: number[] = [];
    for (let k = 0; k < K; k++) parts.push((mix.logWeights[k] as number) + term(k, j));
    total += logSumExp(parts);
  }
  return total;
}

/** Picks a kernel index by its weight. */
function pickKernel(mix: Mixture, rng: Rng): number {
  let u = rng.next();
  for (let k = 0; k < mix.logWeights.length; k++) {
    u -= Math.exp(mix.logWeights[k] as number);
    if (u < 0) return k;
  }
  return mix.logWeights.length - 1;
}

/** Draws from a normal truncated to [0, 1] by rejection (acceptance ≥ ~1/2 because σ ≤ 1 and μ ∈ [0, 1]). */
function truncatedNormal(mu: number, sigma: number, rng: Rng): number {
  for (let i = 0; i < 64; i++) {
    const x = mu + sigma * rng.normal();
    if (x >= 0 && x <= 1) return x;
  }
  return Math.min(1, Math.max(0, mu));
}

/** Draws one unit-cube point from a mixture (one kernel for all dimensions, or one per dimension). */
function sample(space: Space, mix: Mixture, rng: Rng, multivariate: boolean): number[] {
  let k = pickKernel(mix, rng);
  return space.dimensions.map((dim, j) => {
    if (!multivariate) k = pickKernel(mix, rng);
    if (dim.kind === "categorical") {
      const probs = (mix.cat[k] as number[][])[j] as number[];
      let u = rng.next();
      let level = probs.length - 1;
      for (let c = 0; c < probs.length; c++) {
        u -= probs[c] as number;
        if (u < 0) {
          level = c;
          break;
        }
      }
      return (level + 0.5) / dim.levels;
    }
    const x = truncatedNormal((mix.mus[k] as number[])[j] as number, mix.sigma[j] as number, rng);
    // Snap ordinal draws to their bucket centre so the density and the suggested value agree.
    return dim.kind === "ordinal" ? (space.levelOf(j, x) + 0.5) / dim.levels : x;
  });
}

/** Splits completed observations into good and bad unit-cube points (each in told order); liars join the bad group. */
function split(space: Space, observations: readonly Observation[], liars: readonly Params[], settings: TpeSettings) {
  const { below, above } = splitObservations(observations, (n) => Math.min(Math.ceil(settings.gamma * (n + liars.length)), settings.maxGood, n));
  const unit = (i: number) => space.toUnit((observations[i] as Observation).params);
  return { good: below.map(unit), bad: [...above.map(unit), ...liars.map((p) => space.toUnit(p))] };
}

/** Creates the TPE algorithm; suggestions of one batch see the earlier ones as pending. */
export function createTpe(space: Space, settings: TpeSettings, seed: number): Algorithm {
  const sobol = createSobol(space.dimensions.length, seed, true);
  return {
    suggest: ({ n, observations, pending, index }): Params[] => {
      const out: Params[] = [];
      const completed = observations.filter((o) => o.value !== null && Number.isFinite(o.value)).length;
      for (let k = 0; k < n; k++) {
        if (completed < settings.startupTrials) {
          out.push(space.fromUnit(sobol.point(index + k)));
          continue;
        }
        const liars = settings.constantLiar ? [...pending, ...out] : [];
        const groups = split(space, observations, liars, settings);
        if (groups.good.length === 0) {
          out.push(space.fromUnit(sobol.point(index + k)));
          continue;
        }
        const good = buildMixture(space, groups.good, settings);
        const bad = buildMixture(space, groups.bad, settings);
        const rng = createRng(seed, TPE_STREAM, index + k);
        let best: number[] | null = null;
        let bestScore = -Infinity;
        for (let c = 0; c < settings.candidates; c++) {
          const x = sample(space, good, rng, settings.multivariate);
          const score = logDensity(space, good, x, settings.multivariate) - logDensity(space, bad, x, settings.multivariate);
          if (best === null || score > bestScore) {
            best = x;
            bestScore = score;
          }
        }
        out.push(space.fromUnit(best ?? sobol.point(index + k)));
      }
      return out;
    },
  };
}
