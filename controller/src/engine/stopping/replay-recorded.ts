/**
 * Replays a recorded job's learning curves through a stopping rule, in the order the reports arrived,
 * and says what that rule would have stopped, what it would have saved and whether it would have kept the
 * best trial. With the job's own settings it makes the job's own decisions: that is how `kubetune
 * simulate` shows its replays can be trusted. Pure and deterministic.
 */
import type { CurvePoint } from "../../api/trial.ts";
import { better } from "./replay.ts";
import type { StopperConfigInput } from "./settings.ts";
import { createStopper } from "./stopper.ts";

/** A trial as a job recorded it: its curve, how it ended and (when known) when it ran, in milliseconds. */
export interface RecordedTrial {
  name: string;
  index: number;
  curve: readonly CurvePoint[];
  outcome: "succeeded" | "failed" | "earlyStopped" | null;
  reason?: string | undefined;
  value?: number | null | undefined;
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
}

/** The recorded trials of one job, with its objective's direction and (if known) its best trial. */
export interface RecordedJob {
  direction: "minimize" | "maximize";
  trials: readonly RecordedTrial[];
  best?: string | undefined;
}

/** What one rule would have done on the recorded curves. */
export interface RecordedReplay {
  /** Trials the rule stopped, with the step at which it did and why. */
  stops: Map<string, { step: number; reason: string }>;
  /** Steps run, and steps had every trial run to the end (a full trial runs as long as the longest succeeded one). */
  stepsRun: number;
  stepsFull: number;
  /** Whether the job's best trial ran to its end (undefined when no trial succeeded). */
  bestKept: boolean | undefined;
  /** The best objective among succeeded trials the rule let finish (NaN when none). */
  found: number;
  /** Trials whose recording ends before this rule would have judged them to the end (stopped or unfinished in the job): counted as running to full length. */
  censored: number;
}

/** The rules whose stop reasons name the step judged: `asha: … at step 12 …`, `median: … by step 5 …`, `diverged: … at step 4`. */
const RULE_REASON = /^(?:asha|median|diverged):.*?\b(?:at|by) step (\d+)\b/;

/** The step at which the stopping rule stopped a trial, from its stop reason; undefined for other stops (the job ended). */
export function stopStepOf(reason: string | undefined): number | undefined {
  const m = reason === undefined ? null : RULE_REASON.exec(reason);
  return m ? Number(m[1]) : undefined;
}

/** The stopping rule's decisions in the recording: trial → step at which it was stopped. */
export function recordedStops(job: RecordedJob): Map<string, number> {
  const stops = new Map<string, number>();
  for (const t of job.trials) {
    const step = t.outcome === "earlyStopped" ? stopStepOf(t.reason) : undefined;
    if (step !== undefined) stops.set(t.name, step);
  }
  return stops;
}

interface Event {
  time: number;
  trial: number;
  /** Point index in the trial's curve, or the curve's length for its end. */
  k: number;
}

/** A trial's points as reported: its curve, with the non-finite value a diverged trial reported (never stored) put back. */
function reportedPoints(t: RecordedTrial): CurvePoint[] {
  const points = [...t.curve].sort((a, b) => a.step - b.step);
  const diverged = t.outcome === "earlyStopped" && t.reason?.startsWith("diverged:") ? stopStepOf(t.reason) : undefined;
  if (diverged === undefined || points.some((p) => p.step === diverged)) return points;
  const at = points.findIndex((p) => p.step > diverged);
  points.splice(at < 0 ? points.length : at, 0, { step: diverged, value: Number.NaN });
  return points;
}

/**
 * Every report and every end, in the order they happened: a trial's reports spread evenly between its start
 * and end (exact when trials ran one at a time; close otherwise), ties broken by trial index; a trial that
 * never finished ends when the last one known did. Without a start for every trial, trials are taken one
 * after another in index order.
 */
function schedule(trials: readonly RecordedTrial[], points: readonly CurvePoint[][]): Event[] {
  const timed = trials.every((t) => Number.isFinite(t.startedAt));
  const lastKnown = Math.max(...trials.map((t) => (Number.isFinite(t.finishedAt) ? (t.finishedAt as number) : (t.startedAt ?? 0))));
  const events: Event[] = [];
  trials.forEach((t, i) => {
    const n = points[i]?.length ?? 0;
    const start = timed ? (t.startedAt as number) : t.index;
    const end = timed ? (Number.isFinite(t.finishedAt) ? (t.finishedAt as number) : lastKnown) : t.index + 0.5;
    const span = Math.max(0, end - start);
    for (let k = 0; k <= n; k++) events.push({ time: start + (span * (k + 1)) / (n + 1), trial: i, k });
  });
  return events.sort((a, b) => a.time - b.time || (trials[a.trial]?.index ?? 0) - (trials[b.trial]?.index ?? 0) || a.k - b.k);
}

/** Points a recorded trial reported after the rule stopped it (its tail while it wound down). */
function tailOf(t: RecordedTrial, points: readonly CurvePoint[]): number {
  const step = t.outcome === "earlyStopped" ? stopStepOf(t.reason) : undefined;
  return step === undefined ? 0 : points.filter((p) => p.step > step).length;
}

/**
 * Replays the recorded curves through a stopper built from `config`. A trial the rule stops reports no more,
 * except as many points as the job's own run recorded after its own stop (the tail a trial reports while it
 * winds down), so that the job's own settings make exactly the job's own decisions.
 */
export function replayRecorded(job: RecordedJob, config: StopperConfigInput): RecordedReplay {
  const st = createStopper(config);
  const trials = job.trials.filter((t) => t.curve.length > 0);
  const points = trials.map(reportedPoints);
  const tails = trials.map((t, i) => tailOf(t, points[i] ?? []));
  const stops = new Map<string, { step: number; reason: string }>();
  const tailLeft = new Map<string, number>();
  for (const e of schedule(trials, points)) {
    const t = trials[e.trial] as RecordedTrial;
    const p = points[e.trial]?.[e.k];
    if (p === undefined) {
      if (stops.has(t.name)) continue;
      if (t.outcome === "succeeded") st.complete(t.name);
      else if (t.outcome === "failed") st.fail(t.name);
      continue;
    }
    if (stops.has(t.name)) {
      const left = tailLeft.get(t.name) ?? 0;
      if (left > 0 && Number.isFinite(p.value)) st.record(t.name, p.step, p.value, true);
      tailLeft.set(t.name, left - 1);
      continue;
    }
    const d = st.report(t.name, p.step, p.value);
    if (d.action === "stop") {
      stops.set(t.name, { step: p.step, reason: d.reason });
      tailLeft.set(t.name, tails[e.trial] ?? 0);
    }
  }
  return { stops, ...accounting(job, trials, stops) };
}

/** Steps run against steps of a full run, and whether the best trial survived. */
function accounting(job: RecordedJob, trials: readonly RecordedTrial[], stops: ReadonlyMap<string, { step: number }>): Omit<RecordedReplay, "stops"> {
  const last = (t: RecordedTrial): number => t.curve.reduce((m, p) => Math.max(m, p.step), 0);
  const succeeded = trials.filter((t) => t.outcome === "succeeded");
  const full = Math.max(0, ...(succeeded.length > 0 ? succeeded : trials).map(last));
  let stepsRun = 0;
  let stepsFull = 0;
  let censored = 0;
  let found = Number.NaN;
  for (const t of trials) {
    const complete = t.outcome === "succeeded" || t.outcome === "failed";
    const length = complete ? last(t) : Math.max(full, last(t));
    stepsFull += length;
    const stop = stops.get(t.name);
    if (stop) stepsRun += Math.min(stop.step, length);
    else {
      stepsRun += length;
      if (!complete) censored++;
      if (t.outcome === "succeeded" && typeof t.value === "number" && better(t.value, found, job.direction)) found = t.value;
    }
  }
  let best = job.best;
  if (best === undefined) {
    let value = Number.NaN;
    for (const t of succeeded) {
      if (typeof t.value === "number" && better(t.value, value, job.direction)) {
        value = t.value;
        best = t.name;
      }
    }
  }
  const bestKept = best === undefined ? undefined : !stops.has(best);
  return { stepsRun, stepsFull, bestKept, found, censored };
}
