/** Replays of whole learning curves through a stopper: what a rule would have stopped and what that cost (pure). */
import { createStopper } from "./stopper.ts";
import type { StopperConfigInput } from "./settings.ts";

/** One trial's full learning curve (value at steps 1..n), as if it had never been stopped. */
export interface FullCurve {
  trial: string;
  values: number[];
}

/** Trials to replay: what the objective's direction is and every trial's full curve. */
export interface CurveSet {
  direction: "minimize" | "maximize";
  curves: readonly FullCurve[];
}

/** What one replay of a job under one rule cost and found. */
export interface Outcome {
  /** Epochs actually run. */
  epochs: number;
  /** Epochs had every trial run to the end. */
  fullEpochs: number;
  /** Objective of the best trial that ran to the end (NaN when none did). */
  found: number;
  /** Objective of the best trial had every trial run to the end. */
  best: number;
  stopped: number;
}

/** A trial's objective: its best finite value over the epochs it ran (the TuningJob default, strategy "best"). */
export function objectiveOf(values: readonly number[], direction: "minimize" | "maximize"): number {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return Number.NaN;
  return direction === "minimize" ? Math.min(...finite) : Math.max(...finite);
}

/** Whether objective `a` beats `b` (a NaN `b` is beaten by any number). */
export function better(a: number, b: number, direction: "minimize" | "maximize"): boolean {
  if (Number.isNaN(b)) return !Number.isNaN(a);
  return direction === "minimize" ? a < b : a > b;
}

/**
 * Replays a job as the controller would run it: `parallel` trials at a time, in trial order; every running
 * trial reports one epoch per tick, a stopped or finished trial frees its slot for the next one.
 */
export function replayLockstep(job: CurveSet, algorithm: StopperConfigInput["algorithm"], parallel: number): Outcome {
  const st = createStopper({ algorithm, direction: job.direction });
  const running: { index: number; epoch: number }[] = [];
  let next = 0;
  let epochs = 0;
  let stopped = 0;
  let found = Number.NaN;
  while (next < job.curves.length || running.length > 0) {
    while (running.length < parallel && next < job.curves.length) running.push({ index: next++, epoch: 0 });
    for (const r of [...running]) {
      const curve = job.curves[r.index];
      if (!curve) throw new Error(`replay: no curve ${r.index}`);
      r.epoch++;
      epochs++;
      const value = curve.values[r.epoch - 1] ?? Number.NaN;
      const d = st.report(curve.trial, r.epoch, value);
      const done = d.action === "stop" || r.epoch >= curve.values.length;
      if (!done) continue;
      running.splice(running.indexOf(r), 1);
      if (d.action === "stop") {
        stopped++;
        continue;
      }
      st.complete(curve.trial);
      const objective = objectiveOf(curve.values, job.direction);
      if (better(objective, found, job.direction)) found = objective;
    }
  }
  let best = Number.NaN;
  for (const c of job.curves) {
    const objective = objectiveOf(c.values, job.direction);
    if (better(objective, best, job.direction)) best = objective;
  }
  const fullEpochs = job.curves.reduce((n, c) => n + c.values.length, 0);
  return { epochs, fullEpochs, found, best, stopped };
}

/** Regret of the found best vs the true best, relative to the true best's magnitude (0 = found it). */
export function relativeRegret(o: Outcome): number {
  if (Number.isNaN(o.found)) return Infinity;
  return Math.abs(o.found - o.best) / Math.abs(o.best);
}
