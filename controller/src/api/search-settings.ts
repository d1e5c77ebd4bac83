/** The search algorithms' settings schemas: part of the TuningJob API (`spec.search`), validated by the engine too. */
import { z } from "zod";
import { WarmStart } from "./warm-start.ts";

/** An integer setting within [min, max], with an error message that states the allowed range. */
function intIn(min: number, max: number) {
  const msg = `must be an integer from ${min} to ${max}`;
  return z.number({ error: msg }).int({ error: msg }).min(min, { error: msg }).max(max, { error: msg });
}

/** A number setting within [min, max]. */
function numberIn(min: number, max: number) {
  const msg = `must be a number from ${min} to ${max}`;
  return z.number({ error: msg }).min(min, { error: msg }).max(max, { error: msg });
}

/** Grid search settings. */
export const GridSettings = z
  .object({
    /** "lexicographic" (default): the last parameter varies fastest; "shuffled": a seeded permutation of the grid. */
    order: z.enum(["lexicographic", "shuffled"], { error: 'must be "lexicographic" or "shuffled"' }).default("lexicographic"),
  })
  .strict();

/** Random search has no settings. */
export const RandomSettings = z.object({}).strict();

/** Sobol search settings. */
export const SobolSettings = z
  .object({
    /** Owen-style linear matrix scramble plus digital shift, seeded by the job seed; default true. */
    scramble: z.boolean({ error: "must be true or false" }).default(true),
  })
  .strict();

/** Tree-structured Parzen estimator settings (names follow Optuna's TPESampler where they mean the same). */
export const TpeSettings = z
  .object({
    /** Trials drawn from a scrambled Sobol sequence before the estimator takes over; default 10. */
    startupTrials: intIn(0, 10000).default(10),
    /** Candidates drawn from the "good" density per suggestion; default 24. */
    candidates: intIn(1, 10000).default(24),
    /** Fraction of observations counted as "good" (capped at maxGood); default 0.15. */
    gamma: numberIn(0.01, 0.5).default(0.15),
    /** Upper bound on the size of the "good" group; default 25. */
    maxGood: intIn(1, 1000).default(25),
    /** Weight of the prior (a wide kernel at the centre of the space) in both densities; default 1. */
    priorWeight: numberIn(0, 100).default(1),
    /**
     * Joint kernels over the parameters active together (true; Optuna's multivariate + group) or one
     * density per parameter (false). Unset: true for one objective, false for several (each measured
     * better in bench:search; docs/algorithms.md).
     */
    multivariate: z.boolean({ error: "must be true or false" }).optional(),
    /** Count pending trials as the worst observations so parallel suggestions spread out; default true. */
    constantLiar: z.boolean({ error: "must be true or false" }).default(true),
  })
  .strict();

/**
 * Settings of the Bayesian (Gaussian-process) optimizer. Every setting is optional; the defaults
 * (documented in docs/algorithms.md) are applied by the engine's `resolveBayesianSettings`.
 */
export const BayesianSettings = z
  .object({
    /** Space-filling points before the GP takes over; default min(10, 2·dimensions + 1). */
    initialTrials: intIn(0, 1000).optional(),
    /** Quasi-random candidates screened per suggestion (reduced automatically for large histories); default 512. */
    candidates: intIn(16, 100000).optional(),
    /** Best screened candidates refined by local search; default 10. */
    localSearchStarts: intIn(0, 64).optional(),
    /** Observations the GP conditions on; beyond this a deterministic subsample is used; default 600. */
    maxObservations: intIn(20, 10000).optional(),
    /** Observations the hyperparameters are fitted on; beyond this they are frozen; default 128. */
    maxFitObservations: intIn(10, 2000).optional(),
    /** Hyperparameters are refitted each time the data grew by this fraction; default 0.1. */
    refitGrowth: numberIn(0, 10).optional(),
    /** Extra seeded random restarts of the hyperparameter fit (run on a ≤ 32-point subset); default 2. */
    fitRestarts: intIn(0, 16).optional(),
    /** Lower bound on the noise variance of the standardized objective; default 1e-6. */
    noiseFloor: numberIn(1e-10, 1).optional(),
    /** Output warping: "yeo-johnson" (default) or "none". */
    warping: z.enum(["yeo-johnson", "none"], { error: 'must be "yeo-johnson" or "none"' }).optional(),
    /** Radius (unit-cube RMS distance) around failed trials where suggestions are discouraged; default 0.05. */
    failureRadius: numberIn(0, 1).optional(),
    /** Radius around pending trials (and earlier points of the same batch) where suggestions are discouraged; default 0.02. */
    pendingRadius: numberIn(0, 1).optional(),
  })
  .strict();

export type GridSettings = z.infer<typeof GridSettings>;
export type RandomSettings = z.infer<typeof RandomSettings>;
export type SobolSettings = z.infer<typeof SobolSettings>;
export type TpeSettings = z.infer<typeof TpeSettings>;
/** The user-facing (all optional) settings. */
export type BayesianSettings = z.infer<typeof BayesianSettings>;

const seed = z
  .number({ error: "must be an integer from 0 to 2^53 - 1" })
  .int({ error: "must be an integer from 0 to 2^53 - 1" })
  .min(0, { error: "must be an integer from 0 to 2^53 - 1" })
  .optional();

/** Earlier jobs whose finished trials seed the search (api/warm-start.ts). */
const warmStart = WarmStart.optional();

/** The settings schema of each algorithm, by name. */
export const SETTINGS_BY_ALGORITHM = {
  grid: GridSettings,
  random: RandomSettings,
  sobol: SobolSettings,
  bayesian: BayesianSettings,
  tpe: TpeSettings,
} as const;

/** A TuningJob's `spec.search`: the algorithm, an optional seed, and that algorithm's settings (default {}). */
export const SearchSpec = z.discriminatedUnion(
  "algorithm",
  [
    z.object({ algorithm: z.literal("grid"), seed, warmStart, settings: GridSettings.default({ order: "lexicographic" }) }).strict(),
    z.object({ algorithm: z.literal("random"), seed, warmStart, settings: RandomSettings.default({}) }).strict(),
    z.object({ algorithm: z.literal("sobol"), seed, warmStart, settings: SobolSettings.default({ scramble: true }) }).strict(),
    z.object({ algorithm: z.literal("bayesian"), seed, warmStart, settings: BayesianSettings.default({}) }).strict(),
    z.object({ algorithm: z.literal("tpe"), seed, warmStart, settings: TpeSettings.default(TpeSettings.parse({})) }).strict(),
  ],
  { error: 'must be one of "grid", "random", "sobol", "bayesian", "tpe"' },
);
export type SearchSpec = z.infer<typeof SearchSpec>;
