import { stepBefore, upperBound } from "./curve.ts";
import { CONTINUE, fmt, type Objective, type Rule, type TrialRecord } from "./rule.ts";
import type { MedianSettings } from "./settings.ts";

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
 * The median stopping rule (Golovin et al., 2017): at a check step t, stop the trial when its best value
 * at steps ≤ t is strictly worse than the median, over completed trials, of each one's average of its
 * values at steps ≤ t. A true median, not a mean; only completed trials count, because a stopped
 * trial's truncated curve would bias the running averages towards its poor early values.
 */
export function createMedianRule(settings: MedianSettings, objective: Objective): Rule {
  const { minTrials, startStep, interval } = settings;
  const prefixes = new WeakMap<TrialRecord, Prefix>();

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

  return {
    judge(trial, t, trials) {
      if (t < startStep) return CONTINUE;
      // Checks fall at startStep + k·interval; a trial that skips one is checked at its first report past it.
      const checkpoint = startStep + Math.floor((t - startStep) / interval) * interval;
      const previous = stepBefore(trial.curve, t);
      if (previous !== undefined && previous >= checkpoint) return CONTINUE;

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
