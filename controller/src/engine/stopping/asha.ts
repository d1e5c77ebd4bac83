import { firstAtOrAfter } from "./curve.ts";
import { createFitCache, optimistic, pooledNoise, predicted, type DecayFit } from "./extrapolate.ts";
import { fmt } from "../format.ts";
import { CONTINUE, type SignedMetric, type Rule } from "./rule.ts";
import type { AshaSettings } from "../../api/stopping-settings.ts";

/** FNV-1a of a trial name: spreads trials over hyperband brackets by name, so a rebuilt stopper agrees. */
export function bracketOf(trial: string, brackets: number): number {
  if (brackets <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < trial.length; i++) h = Math.imul(h ^ trial.charCodeAt(i), 0x01000193);
  return (h >>> 0) % brackets;
}

/** The rung steps of one bracket that are ≤ `upTo`: minResource·η^(bracket+k), below maxResource. */
export function rungsOf(settings: AshaSettings, bracket: number, upTo: number): number[] {
  const { minResource, reductionFactor, maxResource } = settings;
  const rungs: number[] = [];
  for (let m = minResource * reductionFactor ** bracket; m <= upTo && (maxResource === undefined || m < maxResource); m *= reductionFactor) {
    rungs.push(m);
  }
  return rungs;
}

/**
 * Asynchronous successive halving (Li et al., 2020), stop-style. A trial reaching a rung records its score
 * there, from its points up to the first step it reported at or past the rung: with `rankBy: value` its
 * value at that step; with `rankBy: prediction` the value its curve extrapolates to at maxResource (or
 * at the next rung), if better. It continues if its score is among the top ⌊n/η⌋ of the n scores recorded
 * at the rung so far, its own included (ties continue); with predictions it also continues while its
 * optimistic extrapolation (one noise standard error, the noise pooled over the rung's fits) reaches the
 * cutoff, so only clearly worse trials stop. While ⌊n/η⌋ is 0 the rung is too young to judge and trials
 * pass. Failed trials are not counted.
 */
export function createAshaRule(settings: AshaSettings, objective: SignedMetric): Rule {
  const eta = settings.reductionFactor;
  const fitOf = createFitCache(objective.sign);
  const predict = settings.rankBy === "prediction";
  return {
    judge(trial, t, trials, previous) {
      const bracket = bracketOf(trial.name, settings.brackets);
      const own = trial.curve.values.get(t) ?? Number.NaN;
      for (const rung of rungsOf(settings, bracket, t)) {
        // Judge only rungs crossed since the last judged step: a report at or past the rung was judged then.
        if (previous !== undefined && previous >= rung) continue;
        const horizon = settings.maxResource ?? rung * eta;
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
          recorded.push(fit ? Math.min(value, predicted(fit, horizon)) : value);
        }
        const keep = Math.floor(recorded.length / eta);
        if (keep === 0) continue;
        recorded.sort((a, b) => a - b);
        const cutoff = recorded[keep - 1] ?? Number.NaN;
        const hope = ownFit ? Math.min(objective.sign * own, optimistic(ownFit, pooledNoise(fits), horizon)) : objective.sign * own;
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
