import { z } from "zod";
import { CurvePoint } from "../../api/trial.ts";

/** What the stopper tells the controller after a metric report. */
export type Decision = { action: "continue" } | { action: "stop"; reason: string };

/** Where a trial is in its life, as far as early stopping cares. */
export const TRIAL_STATES = ["running", "completed", "failed", "stopped"] as const;
export type TrialState = (typeof TRIAL_STATES)[number];

/** A stored learning curve, as the controller keeps it on a Trial, used to rebuild a stopper after a restart. */
export const TrialHistory = z.strictObject({
  trial: z.string().min(1, { error: "must name the trial" }),
  // Strict: a history is the engine's input, and a misspelt field should be refused, not dropped.
  curve: z.array(z.strictObject(CurvePoint.shape)),
  state: z.enum(TRIAL_STATES, { error: `must be one of ${TRIAL_STATES.join(", ")}` }),
  /** Why a stopped trial was stopped (the Trial's status reason), repeated to its later reports. */
  reason: z.string().optional(),
});
export type TrialHistory = z.infer<typeof TrialHistory>;

/** A live early-stopping engine for one job: fed every metric report, it decides which trials to stop. */
export interface Stopper {
  /** Records the objective `value` of `trial` at `step` and decides whether the trial should stop now. */
  report(trial: string, step: number, value: number): Decision;
  /**
   * Records a point without judging it. `judged`: it was judged before (a report a previous controller
   * already acted on), so it is never judged; otherwise the trial's next report judges every rung or
   * check step it crossed. Non-finite values are ignored here (they were diverged when judged, if ever).
   */
  record(trial: string, step: number, value: number, judged: boolean): void;
  /** The trial finished normally; its curve now counts as a completed one. */
  complete(trial: string): void;
  /** The trial failed; its curve is ignored from now on. */
  fail(trial: string): void;
  /** The state of every trial the stopper knows, in first-seen order; `createStopper(config, stopper.history())` rebuilds it. */
  history(): TrialHistory[];
}
