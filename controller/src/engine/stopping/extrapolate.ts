import { upperBound, type Curve } from "./curve.ts";

/** Decay time constants tried, in steps: a geometric grid 0.2 … ~140, fine enough that its error is far below noise. */
const TAUS: readonly number[] = Array.from({ length: 48 }, (_, i) => 0.2 * 1.15 ** i);

/** Fewest points a fit needs (floor, scale, time constant); one more leaves a degree of freedom to measure noise. */
export const FIT_POINTS = 3;

/** The fits of one curve prefix to `c + a·e^(−(s−s₀)/τ)`, one per admissible τ, each evaluated at the horizon. */
export interface DecayFit {
  /** Points fitted. */
  points: number;
  /** Squared error of each τ's least-squares fit. */
  sse: number[];
  /** Each τ's fitted value at the horizon. */
  at: number[];
  /** Index of the best fit. */
  best: number;
}

/** Least squares of v = c + a·x with a ≥ 0, for one τ (x = e^(−(s−s₀)/τ)); closed form, as the model is linear in c, a. */
function fitOne(steps: readonly number[], values: readonly number[], tau: number, horizon: number): { sse: number; at: number } {
  const s0 = steps[0] ?? 0;
  const n = steps.length;
  const xs = steps.map((s) => Math.exp(-(s - s0) / tau));
  let mx = 0;
  let mv = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i] ?? 0;
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
  return { sse, at: c + a * Math.exp(-(horizon - s0) / tau) };
}

/**
 * Fits values to minimize (lower is better) with an exponential decay to a floor, the shape of most loss
 * curves (Domhan et al., 2015), for every time constant τ on a fixed grid up to the span of the steps: a
 * curve cannot tell how far it will still fall over times longer than it has been observed. Undefined with
 * fewer than FIT_POINTS points.
 */
export function fitDecay(steps: readonly number[], values: readonly number[], horizon: number): DecayFit | undefined {
  const n = steps.length;
  if (n < FIT_POINTS) return undefined;
  const span = (steps[n - 1] ?? 0) - (steps[0] ?? 0) + 1;
  const sse: number[] = [];
  const at: number[] = [];
  let best = 0;
  for (const tau of TAUS) {
    if (tau > span) break;
    const f = fitOne(steps, values, tau, horizon);
    if (f.sse < (sse[best] ?? Infinity)) best = sse.length;
    sse.push(f.sse);
    at.push(f.at);
  }
  return { points: n, sse, at, best };
}

/** The best fit's value at the horizon: the most likely outcome. */
export function predicted(fit: DecayFit): number {
  return fit.at[fit.best] ?? Number.NaN;
}

/**
 * The most hopeful value at the horizon among fits whose squared error is within `noise²` of the best one:
 * the one-standard-error end of the profile-likelihood interval over τ, with `noise` the points' noise.
 */
export function optimistic(fit: DecayFit, noise: number): number {
  const allowed = (fit.sse[fit.best] ?? 0) + noise * noise;
  let low = predicted(fit);
  fit.sse.forEach((e, i) => {
    const v = fit.at[i] ?? Number.NaN;
    if (e <= allowed && v < low) low = v;
  });
  return low;
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
  steps: number[];
  values: number[];
  horizon: number;
  fit: DecayFit | undefined;
}

/**
 * Memoizes fits of curve prefixes (steps ≤ `upTo`, values times `sign`), per curve and prefix end. A fit is
 * reused while the prefix is unchanged, so judging a rung refits only the curves that changed below it.
 */
export function createFitCache(sign: 1 | -1): (curve: Curve, upTo: number, horizon: number) => DecayFit | undefined {
  const cache = new WeakMap<Curve, Map<number, Cached>>();
  return (curve, upTo, horizon) => {
    const steps = curve.steps.slice(0, upperBound(curve.steps, upTo));
    const values = steps.map((s) => sign * (curve.values.get(s) ?? Number.NaN));
    let perCurve = cache.get(curve);
    if (!perCurve) {
      perCurve = new Map();
      cache.set(curve, perCurve);
    }
    const hit = perCurve.get(upTo);
    if (hit && hit.horizon === horizon && sameNumbers(hit.steps, steps) && sameNumbers(hit.values, values)) return hit.fit;
    const fit = fitDecay(steps, values, horizon);
    perCurve.set(upTo, { steps, values, horizon, fit });
    return fit;
  };
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
