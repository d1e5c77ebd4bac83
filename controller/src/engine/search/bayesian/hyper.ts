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
import type { Pacer } from "./pace.ts";
import { warpValues } from "./warp.ts";
import type { ResolvedBayesianSettings } from "./settings.ts";

/** Valid observations in tell order: encoded rows and raw (minimized) values. */
export interface Dataset {
  X: Float64Array;
  values: readonly number[];
  n: number;
}

/** Multi-start fits run on at most this many points (an even stride through the prefix)… */
const SUBSET = 32;
const MAX_EVALUATIONS = 60;
/** …and the winner is refined on at most this many: enough to pin the lengthscales, O(n³) kept small. */
const REFINE_SUBSET = 96;
const REFINE_EVALUATIONS = 20;
const CACHE_SIZE = 256;
const cache = new Map<string, Float64Array>();

/** Observation counts at which hyperparameters are refitted, up to and including `limit`. */
export function checkpoints(limit: number, growth: number): number[] {
  const out: number[] = [];
  for (let c = 2; c <= limit; c = Math.max(c + 1, Math.ceil(c * (1 + growth)))) out.push(c);
  return out;
}

/** An even stride of `size` rows through the first c rows of X and y (all of them when c ≤ size). */
function stride(X: Float64Array, y: Float64Array, D: number, c: number, size: number): { X: Float64Array; y: Float64Array; n: number } {
  if (c <= size) return { X, y, n: c };
  const Xs = new Float64Array(size * D);
  const ys = new Float64Array(size);
  for (let k = 0; k < size; k++) {
    const i = Math.floor((k * c) / size);
    Xs.set(X.subarray(i * D, i * D + D), k * D);
    ys[k] = y[i]!;
  }
  return { X: Xs, y: ys, n: size };
}

/**
 * MAP fit on the first c observations. Multi-start L-BFGS runs on at most SUBSET points, and for
 * larger prefixes the winner is refined on at most REFINE_SUBSET points (even strides through the
 * prefix): the subset fit is a warm start derived from the inputs alone, and the whole fit costs a
 * bounded number of likelihood evaluations of bounded size, whatever c is.
 */
async function fitAt(layout: KernelLayout, data: Dataset, c: number, settings: ResolvedBayesianSettings, seed: number, pacer: Pacer | null): Promise<Float64Array> {
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
  const small = stride(data.X, y, D, c, SUBSET);
  const warm = await fitHyperparameters(layout, small.X, small.y, small.n, settings.noiseFloor, starts, MAX_EVALUATIONS, pacer);
  if (c <= SUBSET) return warm;
  const large = stride(data.X, y, D, c, REFINE_SUBSET);
  return fitHyperparameters(layout, large.X, large.y, large.n, settings.noiseFloor, [warm], REFINE_EVALUATIONS, pacer);
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

/** The log-hyperparameters to use with `data` (see the module comment for the schedule); a pacer lets the event loop run during a fit. */
export async function hyperparametersFor(
  layout: KernelLayout,
  data: Dataset,
  settings: ResolvedBayesianSettings,
  seed: number,
  pacer: Pacer | null = null,
): Promise<Float64Array> {
  const limit = Math.min(data.n, settings.maxFitObservations);
  const points = checkpoints(limit, settings.refitGrowth);
  if (points.length === 0) return defaultStart(layout);
  const tag = [seed, settings.noiseFloor, settings.warping, settings.fitRestarts, layout.metric.join(","), layout.categorical.join(",")].join("|");
  const c = points[points.length - 1]!;
  const key = `${tag}|${prefixHash(data, layout.dims, c)}`;
  let rho = cache.get(key);
  if (!rho) {
    rho = await fitAt(layout, data, c, settings, seed, pacer);
    remember(key, rho);
  }
  return Float64Array.from(rho);
}
