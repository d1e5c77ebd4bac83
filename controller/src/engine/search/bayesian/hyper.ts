/**
 * Which hyperparameters a suggestion uses. Algorithms are stateless, so warm starts are derived from
 * the inputs: hyperparameters are refitted at "checkpoints" (observation counts growing by
 * `refitGrowth`), each fit on the prefix of that many observations and warm-started from the previous
 * checkpoint's fit. Between checkpoints, and beyond `maxFitObservations`, they are frozen. Fits are
 * memoized by an exact hash of their inputs, so results never depend on what was computed before.
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

/** Fits with more data than this use only the warm start and the default start (keeps asks bounded). */
const RESTART_LIMIT = 60;
const MAX_EVALUATIONS = 60;
const CACHE_SIZE = 256;
const cache = new Map<string, Float64Array>();

/** Observation counts at which hyperparameters are refitted, up to and including `limit`. */
export function checkpoints(limit: number, growth: number): number[] {
  const out: number[] = [];
  for (let c = 2; c <= limit; c = Math.max(c + 1, Math.ceil(c * (1 + growth)))) out.push(c);
  return out;
}

/** Hashes of every prefix of the dataset (two 32-bit FNV-style streams over the float bits). */
function prefixHashes(data: Dataset, dims: number): string[] {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  const out: string[] = [""];
  const mixIn = (x: number): void => {
    f[0] = x;
    for (let k = 0; k < 2; k++) {
      h1 = Math.imul(h1 ^ u[k]!, 0x01000193) >>> 0;
      h2 = Math.imul(h2 ^ u[k]!, 0x5bd1e995) >>> 0;
      h2 ^= h2 >>> 15;
    }
  };
  for (let i = 0; i < data.n; i++) {
    for (let j = 0; j < dims; j++) mixIn(data.X[i * dims + j]!);
    mixIn(data.values[i]!);
    out.push(`${h1.toString(36)}.${h2.toString(36)}`);
  }
  return out;
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
  const hashes = prefixHashes(data, layout.dims);
  const tag = [seed, settings.noiseFloor, settings.warping, settings.fitRestarts, layout.metric.join(","), layout.categorical.join(",")].join("|");
  const keyOf = (c: number): string => `${tag}|${c}|${hashes[c]}`;
  // Walk back to the latest cached checkpoint, then fit forward from it.
  let from = points.length - 1;
  while (from >= 0 && !cache.has(keyOf(points[from]!))) from--;
  let warm = from >= 0 ? (cache.get(keyOf(points[from]!)) as Float64Array) : null;
  for (let k = from + 1; k < points.length; k++) {
    const c = points[k]!;
    const y = warpValues(data.values.slice(0, c), settings.warping).y;
    const starts: Float64Array[] = [];
    if (warm) starts.push(warm);
    starts.push(defaultStart(layout));
    if (c <= RESTART_LIMIT) {
      const rng = createRng(seed, c, 0x6a9f);
      for (let r = 0; r < settings.fitRestarts; r++) {
        const s = defaultStart(layout);
        for (let i = 0; i < s.length - 2; i++) s[i] = s[i]! + 3 * (rng.next() - 0.5);
        starts.push(s);
      }
    }
    warm = fitHyperparameters(layout, data.X, y, c, settings.noiseFloor, starts, MAX_EVALUATIONS);
    remember(keyOf(c), warm);
  }
  return Float64Array.from(warm ?? defaultStart(layout));
}
