import type { Curve } from "./curve.ts";
import type { Decision, TrialState } from "./types.ts";

/** What the stopper keeps per trial. */
export interface TrialRecord {
  readonly name: string;
  readonly curve: Curve;
  state: TrialState;
  /** Why the trial was stopped, repeated to any later report of it. */
  reason?: string;
  /** Highest step judged so far (or judged before a rebuild); points recorded past it are still to be judged. */
  judgedUpTo?: number;
}

/**
 * A stopping rule: judges a running trial that has just reported `step`, from all trials' curves.
 * `previous` is the last step already judged: rungs and check steps at or before it are not judged again.
 */
export interface Rule {
  judge(trial: TrialRecord, step: number, trials: ReadonlyMap<string, TrialRecord>, previous: number | undefined): Decision;
}

/** How rules see the job's objective: its metric, and `sign` +1 when lower is better, -1 when higher is; values times `sign` are minimized. */
export interface SignedMetric {
  sign: 1 | -1;
  metric: string;
}

export const CONTINUE: Decision = Object.freeze({ action: "continue" });

/** The curves of the trials that have not failed: what the job has shown so far. */
export function* liveCurves(trials: ReadonlyMap<string, TrialRecord>): Generator<Curve> {
  for (const rec of trials.values()) if (rec.state !== "failed") yield rec.curve;
}
