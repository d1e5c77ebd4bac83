import { z } from "zod";

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

/**
 * Settings of the Bayesian (Gaussian-process) optimizer. Every setting is optional; the defaults
 * (documented in docs/algorithms.md) are applied by `resolveBayesianSettings`.
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

/** The user-facing (all optional) settings. */
export type BayesianSettings = z.infer<typeof BayesianSettings>;

/** Settings with every default applied. */
export type ResolvedBayesianSettings = Required<BayesianSettings>;

/** Applies the documented defaults; `dimensions` is the number of parameters of the space. */
export function resolveBayesianSettings(settings: BayesianSettings, dimensions: number): ResolvedBayesianSettings {
  return {
    initialTrials: settings.initialTrials ?? Math.min(10, 2 * dimensions + 1),
    candidates: settings.candidates ?? 512,
    localSearchStarts: settings.localSearchStarts ?? 10,
    maxObservations: settings.maxObservations ?? 600,
    maxFitObservations: settings.maxFitObservations ?? 128,
    refitGrowth: settings.refitGrowth ?? 0.1,
    fitRestarts: settings.fitRestarts ?? 2,
    noiseFloor: settings.noiseFloor ?? 1e-6,
    warping: settings.warping ?? "yeo-johnson",
    failureRadius: settings.failureRadius ?? 0.05,
    pendingRadius: settings.pendingRadius ?? 0.02,
  };
}
