import { upperBound } from "./curve.ts";
import { createFitCache, createShownBound, optimistic, pooledNoise, predicted, type DecayFit } from "./extrapolate.ts";
import { fmt } from "../format.ts";
import { CONTINUE, liveCurves, type SignedMetric, type Rule, type TrialRecord } from "./rule.ts";
import type { MedianSettings } from "../../api/stopping-settings.ts";

/** Prefix sums of one completed curve, so its running average up to any step is a binary search away. */
interface Prefix {
  version: number;
  steps: number[];
  sums: number[];
}

/** The median of a non-empty list; the mean of the two middle values when the count is even. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >>> 1;
  const hi = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? Number.NaN) + hi) / 2;
}

/**
 * The median stopping rule (Golovin et al., 2017): at a check step t, stop the trial when its performance
 * up to t is strictly worse than the median of other trials' performance up to t. With `compare:
 * runningAverage` (Vizier's rule) that is the trial's best value at steps ≤ t against the median, over
 * completed trials, of each one's average of its values at steps ≤ t; only completed trials count, because a
 * stopped trial's truncated curve would bias the running averages towards its poor early values. With
 * `compare: prediction` every trial's values up to t are extrapolated to the furthest step any trial reported
 * (a better extrapolation replaces its best value; none is better than the best value any curve has shown),
 * and the trial is stopped when even its optimistic extrapolation is worse than the median of those of the
 * other trials that reached t; trials stopped after t count too, as their curves up to t are whole. A true
 * median, not a mean.
 */
export function createMedianRule(settings: MedianSettings, objective: SignedMetric): Rule {
  const { minTrials, startStep, interval } = settings;
  const prefixes = new WeakMap<TrialRecord, Prefix>();
  const fitOf = createFitCache(objective.sign);
  const shownBound = createShownBound(objective.sign);

  const prefixOf = (rec: TrialRecord): Prefix => {
    const cached = prefixes.get(rec);
    if (cached && cached.version === rec.curve.version) return cached;
    const steps = [...rec.curve.steps];
    const sums = [0];
    let sum = 0;
    for (const s of steps) {
      sum += rec.curve.values.get(s) ?? 0;
      sums.push(sum);
    }
    const fresh = { version: rec.curve.version, steps, sums };
    prefixes.set(rec, fresh);
    return fresh;
  };

  /** Mean of a completed curve's raw values at steps ≤ t; undefined when it has none there. */
  const runningAverage = (rec: TrialRecord, t: number): number | undefined => {
    const p = prefixOf(rec);
    const n = upperBound(p.steps, t);
    return n === 0 ? undefined : (p.sums[n] ?? 0) / n;
  };

  /** Best value (times sign) of a curve at steps ≤ t; undefined when it has none there. */
  const bestUpTo = (rec: TrialRecord, t: number): number | undefined => {
    let best: number | undefined;
    for (const s of rec.curve.steps) {
      if (s > t) break;
      const v = objective.sign * (rec.curve.values.get(s) ?? Number.NaN);
      if (best === undefined || v < best) best = v;
    }
    return best;
  };

  /** The prediction-mode decision at check step t. */
  const judgeByPrediction = (trial: TrialRecord, t: number, trials: ReadonlyMap<string, TrialRecord>) => {
    let horizon = t;
    for (const rec of trials.values()) if (rec.state !== "failed") horizon = Math.max(horizon, rec.curve.steps[rec.curve.steps.length - 1] ?? 0);
    const bound = shownBound(liveCurves(trials));
    const scores: number[] = [];
    const fits: DecayFit[] = [];
    for (const rec of trials.values()) {
      if (rec === trial || rec.state === "failed" || (rec.curve.steps[rec.curve.steps.length - 1] ?? -1) < t) continue;
      const best = bestUpTo(rec, t);
      if (best === undefined) continue;
      const fit = fitOf(rec.curve, t);
      if (fit) fits.push(fit);
      scores.push(fit ? Math.min(best, predicted(fit, horizon, bound)) : best);
    }
    if (scores.length < minTrials) return CONTINUE;
    const med = median(scores);
    const ownBest = bestUpTo(trial, t);
    if (ownBest === undefined) return CONTINUE;
    const ownFit = fitOf(trial.curve, t);
    if (ownFit) fits.push(ownFit);
    const hope = ownFit ? Math.min(ownBest, optimistic(ownFit, pooledNoise(fits), horizon, bound)) : ownBest;
    if (hope <= med) return CONTINUE;
    const what = ownFit ? `${objective.metric} by step ${t} extrapolates to at best ${fmt(objective.sign * hope)} at step ${horizon}` : `best ${objective.metric} ${fmt(objective.sign * hope)} by step ${t}`;
    return {
      action: "stop" as const,
      reason:
        `median: ${what}, ${objective.sign === 1 ? "above" : "below"} the median ${fmt(objective.sign * med)} ` +
        `of ${scores.length} other trials that reached step ${t}, judged the same way`,
    };
  };

  return {
    judge(trial, t, trials, previous) {
      if (t < startStep) return CONTINUE;
      // Checks fall at startStep + k·interval; a trial that skips one is checked at its first report past it.
      const checkpoint = startStep + Math.floor((t - startStep) / interval) * interval;
      if (previous !== undefined && previous >= checkpoint) return CONTINUE;
      if (settings.compare === "prediction") return judgeByPrediction(trial, t, trials);

      const averages: number[] = [];
      for (const rec of trials.values()) {
        if (rec.state !== "completed") continue;
        const avg = runningAverage(rec, t);
        if (avg !== undefined) averages.push(avg);
      }
      if (averages.length < minTrials) return CONTINUE;
      const med = median(averages);

      let best: number | undefined;
      for (const s of trial.curve.steps) {
        if (s > t) break;
        const v = trial.curve.values.get(s) ?? Number.NaN;
        if (best === undefined || objective.sign * v < objective.sign * best) best = v;
      }
      if (best === undefined || objective.sign * best <= objective.sign * med) return CONTINUE;
      return {
        action: "stop",
        reason:
          `median: best ${objective.metric} ${fmt(best)} by step ${t} is ${objective.sign === 1 ? "above" : "below"} the median ${fmt(med)} ` +
          `of the running averages of ${averages.length} completed trials up to step ${t}`,
      };
    },
  };
}
