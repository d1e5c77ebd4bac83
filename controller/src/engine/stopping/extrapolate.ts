import { FIT_POINTS } from "../../api/stopping-settings.ts";
import { upperBound, type Curve } from "./curve.ts";

/** Decay time constants tried, in steps: a geometric grid 0.2 … ~140, fine enough that its error is far below noise. */
const TAUS: readonly number[] = Array.from({ length: 48 }, (_, i) => 0.2 * 1.15 ** i);

/** The fits of one curve prefix to `c + a·e^(−(s−s₀)/τ)`, one per admissible τ (the i-th of the grid). */
export interface DecayFit {
  /** Points fitted. */
  points: number;
  /** The first fitted step. */
  s0: number;
  /** Squared error of each τ's least-squares fit. */
  sse: number[];
  /** Each τ's floor c. */
  c: number[];
  /** Each τ's scale a. */
  a: number[];
  /** Index of the best fit. */
  best: number;
}

/** The i-th fit's value at step `horizon`. */
function valueAt(fit: DecayFit, i: number, horizon: number): number {
  return (fit.c[i] ?? Number.NaN) + (fit.a[i] ?? 0) * Math.exp(-(horizon - fit.s0) / (TAUS[i] ?? 1));
}

/** Scratch space for one τ's x values, reused across fits: a fit is on the hot path of every rung judgment. */
let xs = new Float64Array(256);

/** Step distances whose e^(−d/τ) is tabulated (≤ 1.5 MiB for the whole grid); farther ones are computed each time. */
const TABLE_STEPS = 4096;
/** e^(−d/τ) for whole d, per τ of the grid, filled as far as fitted curves reach: the same for every curve. */
const decay: Float64Array[] = TAUS.map(() => new Float64Array(0));

/** e^(−d/τ) for the k-th τ: a table lookup for whole d (steps are whole numbers), the exact same value. */
function decayAt(k: number, tau: number, d: number): number {
  const table = decay[k] ?? new Float64Array(0);
  // A typed array gives undefined for a fractional, negative or too large index.
  const hit = table[d];
  if (hit !== undefined) return hit;
  if (!Number.isInteger(d) || d < 0 || d >= TABLE_STEPS) return Math.exp(-d / tau);
  const grown = new Float64Array(Math.min(TABLE_STEPS, Math.max(64, 2 * (d + 1))));
  grown.set(table);
  for (let j = table.length; j < grown.length; j++) grown[j] = Math.exp(-j / tau);
  decay[k] = grown;
  return grown[d] ?? Math.exp(-d / tau);
}

/** Least squares of v = c + a·x with a ≥ 0, for the k-th τ (x = e^(−(s−s₀)/τ)); closed form, as the model is linear in c, a. */
function fitOne(steps: readonly number[], values: readonly number[], k: number, tau: number): { sse: number; c: number; a: number } {
  const s0 = steps[0] ?? 0;
  const n = steps.length;
  if (xs.length < n) xs = new Float64Array(2 * n);
  let mx = 0;
  let mv = 0;
  for (let i = 0; i < n; i++) {
    const x = decayAt(k, tau, (steps[i] ?? 0) - s0);
    xs[i] = x;
    mx += x;
    mv += values[i] ?? 0;
  }
  mx /= n;
  mv /= n;
  let sxx = 0;
  let sxv = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - mx;
    sxx += dx * dx;
    sxv += dx * ((values[i] ?? 0) - mv);
  }
  // a ≥ 0: a curve that does not improve is fitted flat, never extrapolated to improve by getting worse.
  const a = sxx > 0 ? Math.max(0, sxv / sxx) : 0;
  const c = mv - a * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += ((values[i] ?? 0) - c - a * (xs[i] ?? 0)) ** 2;
  return { sse, c, a };
}

/**
 * Fits values to minimize (lower is better) with an exponential decay to a floor, the shape of most loss
 * curves (Domhan et al., 2015), for every time constant τ on a fixed grid up to the span of the steps: a
 * curve cannot tell how far it will still fall over times longer than it has been observed. Undefined with
 * fewer than FIT_POINTS points.
 */
export function fitDecay(steps: readonly number[], values: readonly number[]): DecayFit | undefined {
  const n = steps.length;
  if (n < FIT_POINTS) return undefined;
  const span = (steps[n - 1] ?? 0) - (steps[0] ?? 0) + 1;
  const fit: DecayFit = { points: n, s0: steps[0] ?? 0, sse: [], c: [], a: [], best: 0 };
  for (let k = 0; k < TAUS.length; k++) {
    const tau = TAUS[k] ?? 1;
    if (tau > span) break;
    const f = fitOne(steps, values, k, tau);
    if (f.sse < (fit.sse[fit.best] ?? Infinity)) fit.best = fit.sse.length;
    fit.sse.push(f.sse);
    fit.c.push(f.c);
    fit.a.push(f.a);
  }
  return fit;
}

/**
 * The best fit's value at step `horizon`: the most likely outcome, but never better than `bound` (the best
 * value any curve of the job has shown): a decay fitted to a steep start can have its floor below anything a
 * loss can take, and no learning curve has yet justified that.
 */
export function predicted(fit: DecayFit, horizon: number, bound = -Infinity): number {
  return Math.max(bound, valueAt(fit, fit.best, horizon));
}

/**
 * The most hopeful value at the horizon among fits whose squared error is within `noise²` of the best one:
 * the one-standard-error end of the profile-likelihood interval over τ, with `noise` the points' noise;
 * bounded by `bound` like `predicted`.
 */
export function optimistic(fit: DecayFit, noise: number, horizon: number, bound = -Infinity): number {
  const allowed = (fit.sse[fit.best] ?? 0) + noise * noise;
  let low = valueAt(fit, fit.best, horizon);
  fit.sse.forEach((e, i) => {
    if (e > allowed) return;
    const v = valueAt(fit, i, horizon);
    if (v < low) low = v;
  });
  return Math.max(bound, low);
}

/**
 * The best value (times `sign`, lowest) shown by any of the curves: the bound of every extrapolation.
 * Each curve's best is kept and extended by the points appended since (recomputed only after an edit), so a
 * judgment costs one look per curve.
 */
export function createShownBound(sign: 1 | -1): (curves: Iterable<Curve>) => number {
  const best = new WeakMap<Curve, { edits: number; points: number; min: number }>();
  return (curves) => {
    let bound = Infinity;
    for (const curve of curves) {
      let hit = best.get(curve);
      if (!hit || hit.edits !== curve.edits) hit = { edits: curve.edits, points: 0, min: Infinity };
      for (let i = hit.points; i < curve.steps.length; i++) hit.min = Math.min(hit.min, sign * (curve.values.get(curve.steps[i] ?? 0) ?? Infinity));
      hit.points = curve.steps.length;
      best.set(curve, hit);
      bound = Math.min(bound, hit.min);
    }
    return bound;
  };
}

/** The noise of a job's reports: residual RMS pooled over fits with points to spare (0 when none has). */
export function pooledNoise(fits: Iterable<DecayFit>): number {
  let sse = 0;
  let dof = 0;
  for (const f of fits) {
    if (f.points <= FIT_POINTS) continue;
    sse += f.sse[f.best] ?? 0;
    dof += f.points - FIT_POINTS;
  }
  return dof > 0 ? Math.sqrt(sse / dof) : 0;
}

interface Cached {
  /** Points in the prefix, and the curve's `edits` when it was fitted: while both match, the prefix is unchanged. */
  points: number;
  edits: number;
  fit: DecayFit | undefined;
}

/** Prefixes remembered per curve: the rungs or check steps judged around now; older ones are refitted if asked again. */
const PREFIXES_KEPT = 4;

/**
 * Memoizes fits of curve prefixes (steps ≤ `upTo`, values times `sign`), per curve and prefix end. A fit does
 * not depend on the horizon, so it is reused while the prefix is unchanged: judging a rung or a check step
 * refits only the curves that changed below it.
 */
export function createFitCache(sign: 1 | -1): (curve: Curve, upTo: number) => DecayFit | undefined {
  const cache = new WeakMap<Curve, Map<number, Cached>>();
  return (curve, upTo) => {
    const n = upperBound(curve.steps, upTo);
    let perCurve = cache.get(curve);
    if (!perCurve) {
      perCurve = new Map();
      cache.set(curve, perCurve);
    }
    const hit = perCurve.get(upTo);
    if (hit && hit.points === n && hit.edits === curve.edits) return hit.fit;
    const steps = curve.steps.slice(0, n);
    const values = steps.map((s) => sign * (curve.values.get(s) ?? Number.NaN));
    const fit = fitDecay(steps, values);
    perCurve.delete(upTo);
    perCurve.set(upTo, { points: n, edits: curve.edits, fit });
    if (perCurve.size > PREFIXES_KEPT) perCurve.delete(perCurve.keys().next().value ?? upTo);
    return fit;
  };
}
