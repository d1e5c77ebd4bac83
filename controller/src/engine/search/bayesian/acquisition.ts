/**
 * Acquisition optimization: log-EI, times the estimated probability that a trial succeeds (when some
 * failed), with exclusion penalties around failed and pending points, maximized by quasi-random
 * screening — global points and perturbations of the best observations — followed by a coordinate
 * pattern search from the best few candidates that moves ordinal/categorical coordinates level by level.
 */
import { createRng, type Rng } from "../rng.ts";
import { activePoints } from "../conditional.ts";
import { axisValues, type Space } from "../space.ts";
import { encode, snap } from "./encode.ts";
import { logExpectedImprovement } from "./normal.ts";
import type { Pacer } from "./pace.ts";
import type { Posterior } from "./posterior.ts";
import { kroneckerBasis, kroneckerPoint, randomShift } from "./qmc.ts";

/** Everything the acquisition needs besides the posterior. */
export interface AcquisitionContext {
  space: Space;
  posterior: Posterior;
  /** Incumbent (best warped target) for EI. */
  best: number;
  /** Unit points of the best observations, best first, to perturb. */
  elites: readonly Float64Array[];
  /** Unit points of failed trials. */
  failed: readonly Float64Array[];
  failureRadius: number;
  /** Unit points of pending trials (including earlier points of this batch). */
  pending: readonly Float64Array[];
  pendingRadius: number;
  /** log P(success) at an encoded point, or null when nothing failed. */
  logFeasibility: ((x: Float64Array) => number) | null;
  /** Screening candidates (already reduced for large histories). */
  candidates: number;
  localSearchStarts: number;
  /** Pattern-search evaluations per start. */
  localBudget: number;
  rng: Rng;
  /** Meters the work, so the caller's event loop gets turns during long optimizations. */
  pacer: Pacer;
}

/** How far (per coordinate, unit cube) the pattern search may move a continuous/ordinal coordinate. */
const REACH = 0.2;

/** A scored unit point. */
export interface Scored {
  u: Float64Array;
  score: number;
}

/**
 * Σ log(1 - exp(-d²/2r²)) over the given points, d the RMS unit-cube distance (a categorical mismatch
 * counts 1): -∞ on a point itself, ~0 a few radii away. Keeps suggestions off failed points and, on
 * top of the Kriging believer, keeps a batch from collapsing onto one spot when EI is very peaked.
 */
function exclusionPenalty(space: Space, u: Float64Array, points: readonly Float64Array[], radius: number): number {
  if (radius <= 0 || points.length === 0) return 0;
  const dims = space.dimensions;
  let penalty = 0;
  for (const f of points) {
    let d2 = 0;
    for (let j = 0; j < dims.length; j++) {
      if (dims[j]!.kind === "categorical") d2 += space.levelOf(j, u[j]!) === space.levelOf(j, f[j]!) ? 0 : 1;
      else d2 += (u[j]! - f[j]!) * (u[j]! - f[j]!);
    }
    d2 /= dims.length;
    const r2 = d2 / (2 * radius * radius);
    if (r2 < 20) penalty += r2 === 0 ? -Infinity : Math.log(-Math.expm1(-r2));
  }
  return penalty;
}

/** Scores of snapped unit points (log-EI plus penalties and log-feasibility). */
export type Scorer = (points: readonly Float64Array[]) => Promise<Float64Array>;

/** Points scored between two checks of the pacer. */
const CHUNK = 32;

/** Approximate cost of one prediction: kernel row plus forward substitution. */
export function predictionFlops(ctx: AcquisitionContext): number {
  const n = ctx.posterior.size;
  return n * (n / 2 + ctx.space.dimensions.length);
}

/** Creates the scorer of a context; points are predicted in batches, so the posterior reads its factor once per block. */
export function createScorer(ctx: AcquisitionContext): Scorer {
  const D = ctx.space.dimensions.length;
  const x = new Float64Array(D);
  const rest = (u: Float64Array, x: Float64Array, mean: number, sd: number): number => {
    let score = logExpectedImprovement(mean, sd, ctx.best);
    score += exclusionPenalty(ctx.space, u, ctx.failed, ctx.failureRadius);
    score += exclusionPenalty(ctx.space, u, ctx.pending, ctx.pendingRadius);
    if (ctx.logFeasibility) score += ctx.logFeasibility(x);
    return Number.isNaN(score) ? -Infinity : score;
  };
  return async (points) => {
    const count = points.length;
    const xs = new Float64Array(count * D);
    for (let i = 0; i < count; i++) xs.set(encode(ctx.space, points[i]!, x), i * D);
    const means = new Float64Array(count);
    const sds = new Float64Array(count);
    for (let c = 0; c < count; c += CHUNK) {
      const size = Math.min(CHUNK, count - c);
      ctx.posterior.predictMany(xs.subarray(c * D), size, means.subarray(c), sds.subarray(c));
      const turn = ctx.pacer.spend(size * predictionFlops(ctx));
      if (turn) await turn;
    }
    const scores = new Float64Array(count);
    for (let i = 0; i < count; i++) scores[i] = rest(points[i]!, xs.subarray(i * D, i * D + D), means[i]!, sds[i]!);
    return scores;
  };
}

/**
 * Lets several local searches share batched scoring: each awaits the score of its next point, and
 * once every search still running is waiting, all their points are scored in one batch. A point's
 * score does not depend on its batch, so each search's result is what it would be on its own.
 */
function lockstep(score: Scorer, searches: number): { score(u: Float64Array): Promise<number>; done(): void } {
  let running = searches;
  let waiting: { u: Float64Array; resolve: (s: number) => void; reject: (e: unknown) => void }[] = [];
  const flush = async (): Promise<void> => {
    const batch = waiting;
    waiting = [];
    try {
      const scores = await score(batch.map((w) => w.u));
      batch.forEach((w, i) => w.resolve(scores[i]!));
    } catch (e) {
      for (const w of batch) w.reject(e);
    }
  };
  return {
    score: (u) =>
      new Promise((resolve, reject) => {
        waiting.push({ u: Float64Array.from(u), resolve, reject });
        if (waiting.length === running) void flush();
      }),
    done: () => {
      running--;
      if (running > 0 && waiting.length === running) void flush();
    },
  };
}

/** All points of a space made only of ordinal/categorical dimensions, or null if that is not the case or too many. */
export function enumerate(space: Space, limit: number): Float64Array[] | null {
  if (space.dimensions.some((d) => d.kind === "continuous") || !(space.size <= limit)) return null;
  if (space.conditional) {
    const points = activePoints(space.parameters, space.parameters.map((p, i) => axisValues(p, space.dimensions[i]!)), limit);
    return points && points.map((p) => snap(space, Float64Array.from(space.toUnit(p))));
  }
  const dims = space.dimensions;
  const out: Float64Array[] = [];
  const idx = new Array<number>(dims.length).fill(0);
  for (let count = 0; count < space.size; count++) {
    out.push(Float64Array.from(dims, (d, j) => (idx[j]! + 0.5) / d.levels));
    for (let j = 0; j < dims.length; j++) {
      idx[j] = idx[j]! + 1;
      if (idx[j]! < dims[j]!.levels) break;
      idx[j] = 0;
    }
  }
  return out;
}

/** Screening candidates: half global quasi-random points, half Gaussian perturbations of the elites. */
function screeningPoints(ctx: AcquisitionContext): Float64Array[] {
  const { space, rng } = ctx;
  const d = space.dimensions.length;
  const out: Float64Array[] = [];
  const alpha = kroneckerBasis(d);
  const shift = randomShift(rng, d);
  const local = ctx.elites.length > 0 ? Math.floor(ctx.candidates / 2) : 0;
  for (let i = 0; i < ctx.candidates - local; i++) out.push(snap(space, kroneckerPoint(alpha, shift, i, new Float64Array(d))));
  for (let i = 0; i < local; i++) {
    const base = ctx.elites[i % ctx.elites.length]!;
    // Alternate coarse and fine perturbations: the former explore the basin, the latter polish it.
    const scale = i % 3 === 0 ? 0.15 : i % 3 === 1 ? 0.05 : 0.01;
    const u = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const dim = space.dimensions[j]!;
      if (dim.kind === "categorical") u[j] = rng.next() < 1 / d ? rng.next() : base[j]!;
      else u[j] = base[j]! + scale * rng.normal();
    }
    out.push(snap(space, u));
  }
  return out;
}

/** Coordinate pattern search from u (maximizing score), moving discrete coordinates by whole levels. */
async function patternSearch(ctx: AcquisitionContext, score: (u: Float64Array) => Promise<number>, start: Scored, rng: Rng): Promise<Scored> {
  const { space } = ctx;
  const dims = space.dimensions;
  const u = Float64Array.from(start.u);
  let best = start.score;
  const trial = new Float64Array(u.length);
  let step = 0.05;
  let evaluations = 0;
  const hasContinuous = dims.some((d) => d.kind !== "categorical");
  const tryMove = async (j: number, value: number): Promise<boolean> => {
    // Polishing stays near its start: walking far on a sparse model in many dimensions only finds
    // extrapolation artifacts in the corners of the cube.
    if (Math.abs(value - start.u[j]!) > REACH) return false;
    trial.set(u);
    trial[j] = value;
    snap(space, trial);
    if (trial[j] === u[j]) return false;
    evaluations++;
    const s = await score(trial);
    if (s > best) {
      best = s;
      u.set(trial);
      return true;
    }
    return false;
  };
  while (evaluations < ctx.localBudget) {
    let improved = false;
    for (let j = 0; j < dims.length && evaluations < ctx.localBudget; j++) {
      const d = dims[j]!;
      if (d.kind === "categorical") {
        const current = space.levelOf(j, u[j]!);
        // Few levels: try them all; many: a seeded handful.
        const tries = d.levels <= 8 ? d.levels : 8;
        for (let t = 0; t < tries; t++) {
          const level = d.levels <= 8 ? t : rng.int(d.levels);
          if (level !== current && (await tryMove(j, (level + 0.5) / d.levels))) improved = true;
        }
      } else {
        const delta = d.kind === "ordinal" ? Math.max(step, 1 / d.levels) : step;
        if ((await tryMove(j, u[j]! + delta)) || (await tryMove(j, u[j]! - delta))) improved = true;
      }
    }
    if (!improved) {
      if (!hasContinuous || step < 1e-5) break;
      step /= 4;
    }
  }
  return { u, score: best };
}

/**
 * Returns candidates ordered best first: the refined local-search results, then the remaining
 * screened points, so the caller can skip any that duplicate an existing trial.
 */
export async function maximizeAcquisition(ctx: AcquisitionContext): Promise<Scored[]> {
  const score = createScorer(ctx);
  const all = enumerate(ctx.space, ctx.candidates);
  const points = all ?? screeningPoints(ctx);
  const scores = await score(points);
  const scored: Scored[] = points.map((u, i) => ({ u, score: scores[i]! }));
  scored.sort((a, b) => b.score - a.score);
  if (all) return scored;
  const starts = scored.slice(0, ctx.localSearchStarts);
  const shared = lockstep(score, starts.length);
  // Each search draws from its own stream, so its result does not depend on how the searches interleave.
  const streams = starts.map(() => createRng(ctx.rng.int(0x7fffffff)));
  const refined = await Promise.all(
    starts.map(async (start, i) => {
      try {
        return await patternSearch(ctx, shared.score, start, streams[i]!);
      } finally {
        shared.done();
      }
    }),
  );
  refined.sort((a, b) => b.score - a.score);
  return [...refined, ...scored.slice(0, 64)];
}
