import { test } from "node:test";
import assert from "node:assert/strict";
import { TuningJobSpec } from "../api/tuningjob.ts";
import type { TrialPhase } from "../api/trial.ts";
import { bestTrial, isBetter, jobEnd, progress, reachesGoal, trialCounts, trialsToLaunch, type TrialView } from "./job.ts";
import { judgedObjective } from "../api/job-objectives.ts";

function spec(objective: Record<string, unknown> = {}, budget: Record<string, unknown> = {}): TuningJobSpec {
  return TuningJobSpec.parse({
    objective: { metric: "loss", direction: "minimize", ...objective },
    parameters: [{ name: "x", type: "double", min: 0, max: 1 }],
    search: { algorithm: "random", seed: 1 },
    budget: { maxTrials: 5, parallelTrials: 2, maxFailedTrials: 1, ...budget },
    trialTemplate: { spec: { containers: [{ name: "t", command: ["run"] }] } },
  });
}

/** A trial with index `index`, in `phase`, with an objective value if given. */
function trial(index: number, phase: TrialPhase, value?: number, extra: Partial<TrialView> = {}): TrialView {
  return { name: `j-${index}`, index, params: { x: index / 10 }, phase, curve: [], metrics: {}, ...(value !== undefined ? { value } : {}), ...extra };
}

test("the best trial is a finished one with a value, in the objective's direction; a tie goes to the earlier trial", () => {
  const trials = [trial(0, "Succeeded", 0.5), trial(1, "Running", 0.1), trial(2, "Failed", 0.05), trial(3, "EarlyStopped", 0.3), trial(4, "Succeeded", 0.3), trial(5, "Succeeded")];
  assert.equal(bestTrial(trials, "minimize")?.name, "j-3", "running and failed trials never count; 0.3 at index 3 beats the same at index 4");
  assert.equal(bestTrial(trials, "maximize")?.name, "j-0");
  assert.equal(bestTrial([trial(0, "Running", 1), trial(1, "Succeeded")], "minimize"), undefined);
  assert.equal(isBetter(1, 1, "minimize"), false, "strictly better only");
});

test("a goal is reached at or beyond it, in the objective's direction, and never without one", () => {
  const min = judgedObjective(spec({ goal: 0.1 }));
  const max = judgedObjective(spec({ direction: "maximize", goal: 0.9 }));
  assert.deepEqual([reachesGoal(0.1, min), reachesGoal(0.05, min), reachesGoal(0.11, min)], [true, true, false]);
  assert.deepEqual([reachesGoal(0.9, max), reachesGoal(0.95, max), reachesGoal(0.89, max)], [true, true, false]);
  assert.equal(reachesGoal(-1e9, judgedObjective(spec())), false);
});

test("the job succeeds as soon as its best trial reaches the goal, even with failures past the budget", () => {
  const s = spec({ goal: 0.2 });
  const trials = [trial(0, "Failed"), trial(1, "Failed"), trial(2, "Succeeded", 0.123456789), trial(3, "Running", 0.01)];
  assert.deepEqual(jobEnd({ spec: s, trials, exhausted: false }), {
    phase: "Succeeded",
    reason: "GoalReached",
    message: "trial j-2 reached the goal: loss = 0.123457 (goal 0.2)",
  });
  assert.equal(jobEnd({ spec: s, trials: [trial(0, "Succeeded", 0.25), trial(1, "Running", 0.01)], exhausted: false }), null, "a running trial's value does not end the job");
});

test("more failures than maxFailedTrials fail the job, naming the last trial to fail and why", () => {
  const s = spec();
  const one = [trial(0, "Failed", undefined, { reason: "OOMKilled", finishedOrder: 0 }), trial(1, "Running")];
  assert.equal(jobEnd({ spec: s, trials: one, exhausted: false }), null, "maxFailedTrials failures are tolerated");
  const two = [trial(0, "Failed", undefined, { reason: "exited with code 2", finishedOrder: 1 }), trial(1, "Failed", undefined, { reason: "OOMKilled", finishedOrder: 0 })];
  assert.deepEqual(jobEnd({ spec: s, trials: two, exhausted: false }), {
    phase: "Failed",
    reason: "MaxFailedTrialsExceeded",
    message: "2 trials failed, more than maxFailedTrials (1); last failure: j-0: exited with code 2",
  });
});

test("the job succeeds when maxTrials have finished, or when an exhausted search has nothing left running", () => {
  const s = spec({}, { maxTrials: 3 });
  const finished = [trial(0, "Succeeded", 0.4), trial(1, "EarlyStopped", 0.9), trial(2, "Failed")];
  assert.deepEqual(jobEnd({ spec: s, trials: finished, exhausted: false }), { phase: "Succeeded", reason: "MaxTrialsReached", message: "all 3 trials finished; best j-0: loss = 0.4" });
  const running = [trial(0, "Succeeded", 0.4), trial(1, "Running")];
  assert.equal(jobEnd({ spec: s, trials: running, exhausted: true }), null, "an exhausted search still waits for its running trials");
  assert.deepEqual(jobEnd({ spec: s, trials: [trial(0, "Failed")], exhausted: true }), {
    phase: "Succeeded",
    reason: "SearchSpaceExhausted",
    message: "the search space is exhausted after 1 trials",
  });
});

test("launches fill parallelTrials without passing maxTrials, and none once the job is over or the search exhausted", () => {
  const s = spec({}, { maxTrials: 4, parallelTrials: 3 });
  assert.equal(trialsToLaunch({ spec: s, trials: [], exhausted: false }), 3);
  assert.equal(trialsToLaunch({ spec: s, trials: [trial(0, "Pending"), trial(1, "Running")], exhausted: false }), 1, "two active of three");
  assert.equal(trialsToLaunch({ spec: s, trials: [trial(0, "Succeeded", 1), trial(1, "Succeeded", 1), trial(2, "Running")], exhausted: false }), 1, "room for one more of maxTrials");
  assert.equal(trialsToLaunch({ spec: s, trials: [trial(0, "Succeeded", 1)], exhausted: true }), 0);
  assert.equal(trialsToLaunch({ spec: spec({ goal: 1 }, { maxTrials: 4, parallelTrials: 3 }), trials: [trial(0, "Succeeded", 0.5)], exhausted: false }), 0, "the goal ended the job");
});

test("counts by phase and progress count finished trials of maxTrials", () => {
  const trials = [trial(0, "Pending"), trial(1, "Running"), trial(2, "Succeeded", 1), trial(3, "Failed"), trial(4, "EarlyStopped", 2), trial(5, "Succeeded", 3)];
  assert.deepEqual(trialCounts(trials), { pending: 1, running: 1, succeeded: 2, failed: 1, earlyStopped: 1 });
  assert.equal(progress(trials, 10), "4/10");
});
