import { firstAtOrAfter } from "./curve.ts";
import { createFitCache, createShownBound, optimistic, pooledNoise, predicted, type DecayFit } from "./extrapolate.ts";
import { fmt } from "../format.ts";
import { CONTINUE, liveCurves, type SignedMetric, type Rule, type TrialRecord } from "./rule.ts";
import { defaultMinResource, type AshaSettings } from "../../api/stopping-settings.ts";

/** FNV-1a of a trial name: spreads trials over hyperband brackets by name, so a rebuilt stopper agrees. */
export function bracketOf(trial: string, brackets: number): number {
  if (brackets <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < trial.length; i++) h = Math.imul(h ^ trial.charCodeAt(i), 0x01000193);
  return (h >>> 0) % brackets;
}

/** The rung steps of one bracket that are ≤ `upTo`: minResource·η^(bracket+k), below maxResource. */
export function rungsOf(settings: RungSettings, bracket: number, upTo: number): number[] {
  const { minResource, reductionFactor, maxResource } = settings;
  const rungs: number[] = [];
  for (let m = minResource * reductionFactor ** bracket; m <= upTo && (maxResource === undefined || m < maxResource); m *= reductionFactor) {
    rungs.push(m);
  }
  return rungs;
}

/** Rung settings in force: `maxResource` as set, or else the longest curve of a completed trial (undefined before one completes). */
export interface RungSettings {
  minResource: number;
  reductionFactor: number;
  maxResource: number | undefined;
}

/**
 * The rungs in force given the trials so far. Without `maxResource` the job still knows how long a full
 * trial runs once one has completed: the last step of the longest completed curve stands in for it, and an
 * unset `minResource` defaults from it as it would from `maxResource`. Until a trial completes such a job
 * has no rungs unless `minResource` was set: judging at step 1 keeps the best trial in only 6 of 15
 * replays of crossing curves (docs/benchmarks.md).
 */
export function rungSettings(settings: AshaSettings, trials: ReadonlyMap<string, TrialRecord>): RungSettings | undefined {
  const { reductionFactor } = settings;
  if (settings.maxResource !== undefined) return { minResource: settings.minResource ?? defaultMinResource(reductionFactor, settings.maxResource), reductionFactor, maxResource: settings.maxResource };
  let longest: number | undefined;
  for (const rec of trials.values()) {
    const last = rec.curve.steps[rec.curve.steps.length - 1];
    if (rec.state === "completed" && last !== undefined && last > (longest ?? 0)) longest = last;
  }
  if (longest === undefined) return settings.minResource === undefined ? undefined : { minResource: settings.minResource, reductionFactor, maxResource: undefined };
  return { minResource: settings.minResource ?? defaultMinResource(reductionFactor, longest), reductionFactor, maxResource: longest };
}

/**
 * Asynchronous successive halving (Li et al., 2020), stop-style. A trial reaching a rung records its score
 * there, from its points up to the first step it reported at or past the rung: with `rankBy: value` its
 * value at that step; with `rankBy: prediction` the value its curve extrapolates to at maxResource (or
 * at the next rung), if better, but no better than the best value any curve has shown. It continues if its
 * score is among the top ⌊n/η⌋ of the n scores recorded at the rung so far, its own included (ties
 * continue); with predictions it also continues while its optimistic extrapolation (one noise standard
 * error, the noise pooled over the rung's fits) reaches the cutoff, so only clearly worse trials stop.
 * While ⌊n/η⌋ is 0 the rung is too young to judge and trials pass. Failed trials are not counted.
 */
export function createAshaRule(settings: AshaSettings, objective: SignedMetric): Rule {
  const eta = settings.reductionFactor;
  const fitOf = createFitCache(objective.sign);
  const shownBound = createShownBound(objective.sign);
  const predict = settings.rankBy === "prediction";
  return {
    judge(trial, t, trials, previous) {
      const rungs = rungSettings(settings, trials);
      if (!rungs) return CONTINUE;
      const bracket = bracketOf(trial.name, settings.brackets);
      const own = trial.curve.values.get(t) ?? Number.NaN;
      // Computed once per judgment, and only when a rung is judged: it looks at every trial.
      let bound: number | undefined;
      const boundNow = (): number => (bound ??= shownBound(liveCurves(trials)));
      for (const rung of rungsOf(rungs, bracket, t)) {
        // Judge only rungs crossed since the last judged step: a report at or past the rung was judged then.
        if (previous !== undefined && previous >= rung) continue;
        const horizon = rungs.maxResource ?? rung * eta;
        const recorded: number[] = [];
        const fits: DecayFit[] = [];
        let ownFit: DecayFit | undefined;
        for (const rec of trials.values()) {
          if (rec.state === "failed" || bracketOf(rec.name, settings.brackets) !== bracket) continue;
          const p = firstAtOrAfter(rec.curve, rung);
          if (!p) continue;
          const value = objective.sign * p.value;
          const fit = predict ? fitOf(rec.curve, p.step) : undefined;
          if (fit) fits.push(fit);
          if (rec === trial) ownFit = fit;
          recorded.push(fit ? Math.min(value, predicted(fit, horizon, boundNow())) : value);
        }
        const keep = Math.floor(recorded.length / eta);
        if (keep === 0) continue;
        recorded.sort((a, b) => a - b);
        const cutoff = recorded[keep - 1] ?? Number.NaN;
        const hope = ownFit ? Math.min(objective.sign * own, optimistic(ownFit, pooledNoise(fits), horizon, boundNow())) : objective.sign * own;
        if (hope <= cutoff) continue;
        const where = settings.brackets > 1 ? ` in bracket ${bracket}` : "";
        const what = ownFit ? `${fmt(own)} at step ${t} extrapolates to at best ${fmt(objective.sign * hope)} at step ${horizon}, which` : `${fmt(own)} at step ${t}`;
        return {
          action: "stop",
          reason:
            `asha: ${objective.metric} ${what} is not in the top 1/${eta} of the rung at step ${rung}${where} ` +
            `(cutoff ${fmt(objective.sign * cutoff)}, best ${keep} of ${recorded.length} continue)`,
        };
      }
      return CONTINUE;
    },
  };
}
