/**
 * The Bayesian optimizer: a Gaussian process (Matern-5/2 ARD × categorical overlap kernel) on the unit
 * cube, Yeo-Johnson-warped standardized targets, MAP hyperparameters, and log-EI maximized by
 * screening plus pattern search. Pending and same-batch points are handled by a Kriging believer.
 * Stateless: every suggestion is a pure function of (observations, pending, index, seed, settings);
 * memoized fits and Cholesky factors (hyper.ts, posterior.ts) only save time. Suggestions are async
 * only to give the event loop turns during long asks (pace.ts).
 */
import type { Params } from "../../../api/parameters.ts";
import { createRng } from "../rng.ts";
import type { Space } from "../space.ts";
import type { Algorithm, Observation, SuggestRequest } from "../types.ts";
import { conditioningSet } from "./conditioning.ts";
import { encode, layoutOf, snap } from "./encode.ts";
import { createLogFeasibility } from "./feasibility.ts";
import { hyperparametersFor, type Dataset } from "./hyper.ts";
import { paramsFromLog } from "./kernel.ts";
import { createPacer } from "./pace.ts";
import { pickByAcquisition } from "./pick.ts";
import { buildMultiModel, needsMultiModel } from "./multi.ts";
import { createPosterior } from "./posterior.ts";
import { BayesianSettings } from "../../../api/search-settings.ts";
import { resolveBayesianSettings, type ResolvedBayesianSettings } from "./settings.ts";
import { warpValues } from "./warp.ts";

/** Random-stream tags, so each use of randomness draws from its own stream. */
const DESIGN_STREAM = 0xd351;
/** Work between two event-loop turns during an ask (a few ms on one core); see pace.ts. */
const SLICE_FLOPS = 4e6;

interface Split {
  valid: { u: Float64Array; value: number }[];
  failed: Float64Array[];
}

/** Separates usable observations from failures (null or NaN values); ±∞ values are kept and clamped later. */
function splitObservations(space: Space, observations: readonly Observation[]): Split {
  const valid: Split["valid"] = [];
  const failed: Float64Array[] = [];
  for (const o of observations) {
    const u = snap(space, Float64Array.from(space.toUnit(o.params)));
    if (o.value === null || Number.isNaN(o.value)) failed.push(u);
    else valid.push({ u, value: o.value });
  }
  return { valid, failed };
}

/**
 * Suggestion number i of the space-filling design: a seeded Latin hypercube of `size` points (every
 * coordinate's range cut into `size` strata, each hit once), continued by uniform random points when
 * more design points are needed (e.g. while every trial fails). Points already used are skipped.
 */
function designPoint(space: Space, seed: number, size: number, i: number, used: Set<string>): Params {
  const d = space.dimensions.length;
  let params: Params | null = null;
  if (i < size) {
    const u = new Array<number>(d);
    for (let j = 0; j < d; j++) {
      // Stratum of point i in coordinate j: a seeded permutation of 0..size-1, derived per coordinate.
      const rng = createRng(seed, DESIGN_STREAM, j);
      const perm = Array.from({ length: size }, (_, k) => k);
      for (let k = size - 1; k > 0; k--) {
        const r = rng.int(k + 1);
        [perm[k], perm[r]] = [perm[r]!, perm[k]!];
      }
      u[j] = (perm[i]! + createRng(seed, DESIGN_STREAM, j, i).next()) / size;
    }
    params = space.fromUnit(u);
  }
  // In small discrete spaces the design can revisit points; random points fill the gaps.
  for (let t = 0; t < 64 && (params === null || used.has(space.key(params))); t++) {
    const rng = createRng(seed, DESIGN_STREAM, i, t);
    params = space.fromUnit(Array.from({ length: d }, () => rng.next()));
  }
  return params ?? space.fromUnit(new Array<number>(d).fill(0.5));
}

/** Creates the GP-based algorithm for a space; `settings` are validated with the BayesianSettings schema. */
export function createBayesian(space: Space, settings: BayesianSettings): Algorithm {
  const parsed = BayesianSettings.safeParse(settings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `settings.${issue.path.join(".")}` : "settings";
    throw new Error(`bayesian algorithm: ${where} ${issue?.message ?? "is invalid"}`);
  }
  const resolved = resolveBayesianSettings(parsed.data, space.dimensions.length);
  return { suggest: (request) => suggest(space, resolved, request) };
}

async function suggest(space: Space, settings: ResolvedBayesianSettings, request: SuggestRequest): Promise<Params[]> {
  const { valid, failed } = splitObservations(space, request.observations);
  const used = new Set<string>();
  for (const o of request.observations) used.add(space.key(o.params));
  for (const p of request.pending) used.add(space.key(p));
  const out: Params[] = [];
  const needsDesign = (i: number): boolean => i < settings.initialTrials || valid.length < 2;
  let model: Model | null = null;
  for (let j = 0; j < request.n; j++) {
    const i = request.index + j;
    let params: Params;
    if (needsDesign(i)) {
      params = designPoint(space, request.seed, settings.initialTrials, i, used);
    } else {
      model ??= needsMultiModel(request.observations) ? await buildMultiModel(space, settings, request, used) : await buildModel(space, settings, valid, failed, request, used);
      params = await model.next(i, out);
    }
    used.add(space.key(params));
    out.push(params);
  }
  return out;
}

interface Model {
  /** Suggestion number i, after believing the given earlier suggestions of this batch. */
  next(i: number, batch: readonly Params[]): Promise<Params>;
}

/** The GP model of one request; `used` holds the keys of observed, pending and already suggested points (the caller keeps it current). */
async function buildModel(
  space: Space,
  settings: ResolvedBayesianSettings,
  valid: Split["valid"],
  failed: Float64Array[],
  request: SuggestRequest,
  used: Set<string>,
): Promise<Model> {
  const layout = layoutOf(space);
  const D = layout.dims;
  const pacer = createPacer(SLICE_FLOPS);
  const data: Dataset = { X: new Float64Array(valid.length * D), values: valid.map((v) => v.value), n: valid.length };
  const x = new Float64Array(D);
  valid.forEach((v, i) => data.X.set(encode(space, v.u, x), i * D));
  const rho = await hyperparametersFor(layout, data, settings, request.seed, pacer);
  const params = paramsFromLog(layout, rho, settings.noiseFloor);
  await pacer.spend(Infinity);

  const keep = conditioningSet(data.values, settings.maxObservations);
  const m = keep.length;
  const Xc = new Float64Array(m * D);
  keep.forEach((src, k) => Xc.set(data.X.subarray(src * D, src * D + D), k * D));
  const y = warpValues(keep.map((k) => data.values[k]!), settings.warping).y;
  // Exact identity of the kernel: asks that share hyperparameters and a prefix of the conditioning set share its factor.
  const memoKey = [layout.metric.join(","), layout.categorical.join(","), settings.noiseFloor, ...rho].join("|");
  const posterior = await createPosterior(layout, params, Xc, y, m, memoKey, pacer);
  let best = Infinity;
  for (let k = 0; k < m; k++) best = Math.min(best, y[k]!);
  const order = keep.map((_, k) => k).sort((a, b) => y[a]! - y[b]! || a - b);
  const elites = order.slice(0, 5).map((k) => valid[keep[k]!]!.u);

  const pendingU: Float64Array[] = [];
  const believe = (p: Params): void => {
    const u = snap(space, Float64Array.from(space.toUnit(p)));
    pendingU.push(u);
    posterior.believe(encode(space, u, x));
  };
  let logFeasibility: ((x: Float64Array) => number) | null = null;
  if (failed.length > 0) {
    const F = new Float64Array(failed.length * D);
    failed.forEach((u, i) => F.set(encode(space, u, x), i * D));
    logFeasibility = createLogFeasibility(layout, params, data.X, data.n, F, failed.length);
  }
  // Failed points are believed too: at the model's own prediction (neither good nor bad), which removes
  // the uncertainty that would otherwise make an unexplained failure look attractive again.
  for (const u of failed) posterior.believe(encode(space, u, x));
  for (const p of request.pending) believe(p);
  let believed = 0;
  const perCandidate = m * (m / 2 + D) + 1;

  return {
    next: async (i, batch) => {
      for (; believed < batch.length; believed++) {
        const p = batch[believed]!;
        believe(p);
      }
      return pickByAcquisition({ space, posterior, best, elites, failed, pending: pendingU, logFeasibility, pacer, settings, perCandidate, seed: request.seed, index: i, used });
    },
  };
}
