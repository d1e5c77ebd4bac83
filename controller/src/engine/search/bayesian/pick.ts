/** One suggestion's acquisition step, shared by the single- and multi-objective models. */
import type { Params } from "../../../api/parameters.ts";
import { createRng } from "../rng.ts";
import type { Space } from "../space.ts";
import { maximizeAcquisition, type AcquisitionContext } from "./acquisition.ts";
import { snap } from "./encode.ts";
import type { ResolvedBayesianSettings } from "./settings.ts";

/** Random-stream tag of the acquisition's own randomness. */
const ACQUISITION_STREAM = 0xac9;
/**
 * A prediction costs ~n²/2 + n·d flops; screening and local search of one suggestion are kept around
 * these many flops, which binds only above ~190 conditioning points (below, the settings decide) and
 * caps an ask's acquisition work whatever the history's length.
 */
const SCREEN_FLOPS = 2e7;
const LOCAL_FLOPS = 1e7;

/** What the acquisition of one suggestion needs beyond the settings: the model, incumbent and neighbourhoods. */
export type PickContext = Pick<AcquisitionContext, "space" | "posterior" | "best" | "elites" | "failed" | "pending" | "logFeasibility" | "pacer"> & {
  settings: ResolvedBayesianSettings;
  /** Flops of one prediction (the work caps divide by it). */
  perCandidate: number;
  /** The job seed and the suggestion's ordinal: the acquisition's random stream. */
  seed: number;
  index: number;
  /** Keys of points already observed, pending or picked in this batch. */
  used: ReadonlySet<string>;
};

/** Maximizes the acquisition and returns its best point not already used (the best one when all are: a tiny discrete space). */
export async function pickByAcquisition(c: PickContext): Promise<Params> {
  const { space, settings, perCandidate } = c;
  const D = space.dimensions.length;
  const ranked = await maximizeAcquisition({
    space,
    posterior: c.posterior,
    best: c.best,
    elites: c.elites,
    failed: c.failed,
    failureRadius: settings.failureRadius,
    pending: c.pending,
    pendingRadius: settings.pendingRadius,
    logFeasibility: c.logFeasibility,
    candidates: Math.max(64, Math.min(settings.candidates, Math.floor(SCREEN_FLOPS / perCandidate))),
    localSearchStarts: settings.localSearchStarts,
    localBudget: Math.max(20, Math.min(25 * D, Math.floor(LOCAL_FLOPS / perCandidate / Math.max(1, settings.localSearchStarts)))),
    rng: createRng(c.seed, c.index, ACQUISITION_STREAM),
    pacer: c.pacer,
  });
  for (const r of ranked) {
    const p = space.fromUnit(Array.from(r.u));
    if (!c.used.has(space.key(p))) return p;
  }
  return space.fromUnit(Array.from(ranked[0]?.u ?? snap(space as Space, new Float64Array(D).fill(0.5))));
}
