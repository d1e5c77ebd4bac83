/**
 * Which hyperparameters a suggestion uses. Algorithms are stateless, so hyperparameters are refitted
 * only at "checkpoints" (observation counts growing by `refitGrowth`), each fit on the prefix of that
 * many observations from fixed, seeded starts; between checkpoints and beyond `maxFitObservations`
 * they are frozen. A fit never depends on an earlier fit (no warm-start chain), so an optimizer
 * rebuilt from a long history pays for exactly one fit. Fits are memoized by an exact hash of their
 * inputs, so results never depend on what was computed before.
 */
import { createRng } from "../rng.ts";
import type { KernelLayout } from "./kernel.ts";
import { defaultStart, fitHyperparameters } from "./fit.ts";
import { warpValues } from "./warp.ts";
import type { ResolvedBayesianSettings } from "./settings.ts";

/** Valid observations in tell order: encoded rows and raw (minimized) values. */
export interface Dataset {
  X: Float64Array;
  values: readonly number[];
  n: number;
}

/** Fits on more points than this first fit a strided subset of this size, then refine on all points. */
const SUBSET = 32;
const MAX_EVALUATIONS = 60;
const REFINE_EVALUATIONS = 20;
const CACHE_SIZE = 256;
const cache = new Map<string, Float64Array>();

/** Observation counts at which hyperparameters are refitted, up to and including `limit`. */
export function checkpoints(limit: number, growth: number): number[] {
  const out: number[] = [];
  for (let c = 2; c <= limit; c = Math.max(c + 1, Math.ceil(c * (1 + growth)))) out.push(c);
  return out;
}

/**
 * MAP fit on the first c observations. Multi-start L-BFGS runs on at most SUBSET points (an even
 * stride through the prefix), and for larger prefixes the winner is refined on all c points: the
 * subset fit is a warm start derived from the inputs alone, and it keeps one fit at ~100 points to a
 * few dozen full-size likelihood evaluations.
 */
function fitAt(layout: KernelLayout, data: Dataset, c: number, settings: ResolvedBayesianSettings, seed: number): Float64Array {
  const D = layout.dims;
  const y = warpValues(data.values.slice(0, c), settings.warping).y;
  const starts: Float64Array[] = [defaultStart(layout)];
  const rng = createRng(seed, c, 0x6a9f);
  for (let r = 0; r < settings.fitRestarts; r++) {
    const s = defaultStart(layout);
    // Perturb lengthscales and categorical weights by up to e^±1.5; keep signal and noise.
    for (let i = 0; i < s.length - 2; i++) s[i] = s[i]! + 3 * (rng.next() - 0.5);
    starts.push(s);
  }
  if (c <= SUBSET) return fitHyperparameters(layout, data.X, y, c, settings.noiseFloor, starts, MAX_EVALUATIONS);
  const Xs = new Float64Array(SUBSET * D);
  const ys = new Float64Array(SUBSET);
  for (let k = 0; k < SUBSET; k++) {
    const i = Math.floor((k * c) / SUBSET);
    Xs.set(data.X.subarray(i * D, i * D + D), k * D);
    ys[k] = y[i]!;
  }
  const warm = fitHyperparameters(layout, Xs, ys, SUBSET, settings.noiseFloor, starts, MAX_EVALUATIONS);
  return fitHyperparameters(layout, data.X, y, c, settings.noiseFloor, [warm], REFINE_EVALUATIONS);
}

/** Hash of the first c observations (two 32-bit FNV-style streams over the float bits). */
function prefixHash(data: Dataset, dims: number, c: number): string {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  const mixIn = (x: number): void => {
    f[0] = x;
    for (let k = 0; k < 2; k++) {
      h1 = Math.imul(h1 ^ u[k]!, 0x01000193) >>> 0;
      h2 = Math.imul(h2 ^ u[k]!, 0x5bd1e995) >>> 0;
      h2 ^= h2 >>> 15;
    }
  };
  for (let i = 0; i < c; i++) {
    for (let j = 0; j < dims; j++) mixIn(data.X[i * dims + j]!);
    mixIn(data.values[i]!);
  }
  return `${c}.${h1.toString(36)}.${h2.toString(36)}`;
}

/** Empties the memo of fitted hyperparameters (results are unaffected; only time and memory are). */
export function clearFitCache(): void {
  cache.clear();
}

function remember(key: string, rho: Float64Array): void {
  cache.delete(key);
  cache.set(key, rho);
  if (cache.size > CACHE_SIZE) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
}

/** The log-hyperparameters to use with `data` (see the module comment for the schedule). */
export function hyperparametersFor(layout: KernelLayout, data: Dataset, settings: ResolvedBayesianSettings, seed: number): Float64Array {
  const limit = Math.min(data.n, settings.maxFitObservations);
  const points = checkpoints(limit, settings.refitGrowth);
  if (points.length === 0) return defaultStart(layout);
  const tag = [seed, settings.noiseFloor, settings.warping, settings.fitRestarts, layout.metric.join(","), layout.categorical.join(",")].join("|");
  const c = points[points.length - 1]!;
  const key = `${tag}|${prefixHash(data, layout.dims, c)}`;
  let rho = cache.get(key);
  if (!rho) {
    rho = fitAt(layout, data, c, settings, seed);
    remember(key, rho);
  }
  return Float64Array.from(rho);
}
