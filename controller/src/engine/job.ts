import type { Objective } from "../api/objective.ts";
import type { Params } from "../api/parameters.ts";
import type { TrialPhase, CurvePoint, TrialRetry } from "../api/trial.ts";
import type { TuningJobSpec } from "../api/tuningjob.ts";
import { isMultiObjective, judgedObjective } from "../api/job-objectives.ts";
import { fmt } from "./format.ts";

/** A trial as the job state machine sees it; the same shape whether it lives in a process or a Pod. */
export interface TrialView {
  name: string;
  index: number;
  params: Params;
  phase: TrialPhase;
  /** The objective value (per the objective's strategy), once the trial has reported it. */
  value?: number;
  /** Multi-objective jobs: every objective's value in spec.objectives order, once each is known (engine/outcome.ts). */
  values?: number[];
  /** The objective and constraint metrics as of the report that gave the trial its value (engine/outcome.ts). */
  valueMetrics?: Record<string, number>;
  /** Jobs with constraints: whether the finished trial met every one; an infeasible trial is never best nor on the front. */
  feasible?: boolean;
  /** Why an infeasible trial is infeasible: the bounds it broke. */
  infeasibleReason?: string;
  /** Every reported point of the judged objective's metric (api/job-objectives.ts), step-ordered. */
  curve: CurvePoint[];
  /** Last reported value of each metric. */
  metrics: Record<string, number>;
  /** Why the trial ended the way it did (failure reason, early-stop reason). */
  reason?: string;
  /** Position in the order trials finished (0-based); the search engine is told results in this order. */
  finishedOrder?: number;
  /** Earlier attempts that failed for the infrastructure and were retried (engine/retry.ts), oldest first. */
  retries?: TrialRetry[];
}

/** Why a job ended. */
export type JobEndReason =
  | "GoalReached"
  | "MaxTrialsReached"
  | "SearchSpaceExhausted"
  | "MaxFailedTrialsExceeded"
  | "Interrupted"
  | "InvalidTrialTemplate";

/** How and why a job ended. */
export interface JobEnd {
  phase: "Succeeded" | "Failed";
  reason: JobEndReason;
  message: string;
}

/** Trial counts by phase, as in TuningJob status. */
export interface TrialCounts {
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  earlyStopped: number;
}

const FINISHED: ReadonlySet<TrialPhase> = new Set(["Succeeded", "Failed", "EarlyStopped"]);

/** Whether a trial phase is terminal. */
export function isFinished(phase: TrialPhase): boolean {
  return FINISHED.has(phase);
}

/** The Pod/process name of a job's trial: `<job>-<5-digit index>`. */
export function trialName(job: string, index: number): string {
  return `${job}-${String(index).padStart(5, "0")}`;
}

/** Counts trials by phase. */
export function trialCounts(trials: readonly TrialView[]): TrialCounts {
  const c: TrialCounts = { pending: 0, running: 0, succeeded: 0, failed: 0, earlyStopped: 0 };
  for (const t of trials) {
    if (t.phase === "Pending") c.pending++;
    else if (t.phase === "Running") c.running++;
    else if (t.phase === "Succeeded") c.succeeded++;
    else if (t.phase === "Failed") c.failed++;
    else c.earlyStopped++;
  }
  return c;
}

/** `a` is strictly better than `b` in the objective's direction. */
export function isBetter(a: number, b: number, direction: Objective["direction"]): boolean {
  return direction === "minimize" ? a < b : a > b;
}

/** The trial's objective value from its curve: the best point (default) or the last, per the objective's strategy. */
export function objectiveValue(curve: readonly CurvePoint[], objective: Pick<Objective, "direction" | "strategy">): number | undefined {
  const finite = curve.filter((p) => Number.isFinite(p.value));
  if (finite.length === 0) return undefined;
  if (objective.strategy === "last") return finite[finite.length - 1]?.value;
  return finite.reduce((best, p) => (isBetter(p.value, best, objective.direction) ? p.value : best), finite[0]!.value);
}

/** `objectiveValue` of a curve after appending a point at a later step, from the value before it (O(1) per report). */
export function extendedObjectiveValue(previous: number | undefined, value: number, objective: Pick<Objective, "direction" | "strategy">): number | undefined {
  if (!Number.isFinite(value)) return previous;
  if (previous === undefined || objective.strategy === "last") return value;
  return isBetter(value, previous, objective.direction) ? value : previous;
}

/** The best feasible finished trial with a value (succeeded or early-stopped); ties go to the earlier trial. */
export function bestTrial(trials: readonly TrialView[], direction: Objective["direction"]): TrialView | undefined {
  let best: TrialView | undefined;
  for (const t of trials) {
    if ((t.phase !== "Succeeded" && t.phase !== "EarlyStopped") || t.value === undefined || t.feasible === false) continue;
    if (!best || isBetter(t.value, best.value as number, direction) || (t.value === best.value && t.index < best.index)) best = t;
  }
  return best;
}

/** Whether a value meets the objective's goal. */
export function reachesGoal(value: number, objective: Objective): boolean {
  if (objective.goal === undefined) return false;
  return objective.direction === "minimize" ? value <= objective.goal : value >= objective.goal;
}

/** What the state machine needs to know about a job right now. */
export interface JobState {
  spec: TuningJobSpec;
  trials: readonly TrialView[];
  /** The search algorithm has nothing left to suggest (e.g. a finished grid). */
  exhausted: boolean;
  /** Multi-objective jobs: trials on the Pareto front, for the end message. */
  frontSize?: number;
}

/** The best trial of a single-objective job (multi-objective jobs have a front instead, none). */
export function jobBest(spec: TuningJobSpec, trials: readonly TrialView[]): TrialView | undefined {
  return isMultiObjective(spec) ? undefined : bestTrial(trials, judgedObjective(spec).direction);
}

/** Decides whether the job is over, and why; null while it should go on. */
export function jobEnd(state: JobState): JobEnd | null {
  const { spec, trials } = state;
  const counts = trialCounts(trials);
  const objective = judgedObjective(spec);
  const best = jobBest(spec, trials);
  // Job messages keep six significant digits (a status column, valueText, shows four).
  const bestText = best?.value !== undefined ? `${objective.metric} = ${fmt(best.value, 6)}` : undefined;
  if (best?.value !== undefined && reachesGoal(best.value, objective)) {
    return { phase: "Succeeded", reason: "GoalReached", message: `trial ${best.name} reached the goal: ${bestText} (goal ${objective.goal})` };
  }
  if (counts.failed > spec.budget.maxFailedTrials) {
    const last = [...trials].filter((t) => t.phase === "Failed").sort((a, b) => (b.finishedOrder ?? 0) - (a.finishedOrder ?? 0))[0];
    return {
      phase: "Failed",
      reason: "MaxFailedTrialsExceeded",
      message: `${counts.failed} trials failed, more than maxFailedTrials (${spec.budget.maxFailedTrials})${last?.reason ? `; last failure: ${last.name}: ${last.reason}` : ""}`,
    };
  }
  const finished = counts.succeeded + counts.failed + counts.earlyStopped;
  if (finished >= spec.budget.maxTrials) {
    return { phase: "Succeeded", reason: "MaxTrialsReached", message: `all ${spec.budget.maxTrials} trials finished${outcomeText(state, best, bestText)}` };
  }
  if (state.exhausted && counts.pending + counts.running === 0) {
    return { phase: "Succeeded", reason: "SearchSpaceExhausted", message: `the search space is exhausted after ${trials.length} trials${outcomeText(state, best, bestText)}` };
  }
  return null;
}

/** The end message's tail: the best trial, or the size of a multi-objective job's front. */
function outcomeText(state: JobState, best: TrialView | undefined, bestText: string | undefined): string {
  if (isMultiObjective(state.spec)) return `; ${state.frontSize ?? 0} trials on the Pareto front`;
  return best ? `; best ${best.name}: ${bestText}` : "";
}

/** How many new trials to start now: enough to keep parallelTrials busy without exceeding maxTrials. */
export function trialsToLaunch(state: JobState): number {
  if (state.exhausted || jobEnd(state) !== null) return 0;
  const counts = trialCounts(state.trials);
  const active = counts.pending + counts.running;
  const room = state.spec.budget.maxTrials - state.trials.length;
  return Math.max(0, Math.min(state.spec.budget.parallelTrials - active, room));
}

/** `finished/maxTrials`, for status and progress bars. */
export function progress(trials: readonly TrialView[], maxTrials: number): string {
  return `${trials.filter((t) => isFinished(t.phase)).length}/${maxTrials}`;
}
