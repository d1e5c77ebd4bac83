import type { BayesianSettings } from "../../../api/search-settings.ts";

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
