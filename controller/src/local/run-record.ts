/** A local run's record: trial times, results.json saved as the run changes, and the events of finished trials. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { TuningJobSpec } from "../api/tuningjob.ts";
import type { TrialExit, Tuner } from "../engine/tuner.ts";
import { isFinished, type TrialView } from "../engine/job.ts";
import { isMultiObjective, objectiveList } from "../api/job-objectives.ts";
import { resultsOf, saveResults, type TrialOutcome, type Results, type TrialTimes } from "./results.ts";
import type { ObjectiveValue, RunEvent, RunOptions } from "./runner.ts";

/** A multi-objective trial's values with their metrics. */
function named(spec: TuningJobSpec, values: readonly number[]): ObjectiveValue[] {
  return objectiveList(spec).map((o, i) => ({ metric: o.metric, value: values[i] as number }));
}

/** The job-finished event's front, for a multi-objective job. */
export function frontOf(spec: TuningJobSpec, tuner: Tuner): Pick<Extract<RunEvent, { type: "job-finished" }>, "front"> {
  if (!isMultiObjective(spec)) return {};
  const front = tuner.front();
  return { front: { size: front.size, members: front.members.map((m) => ({ name: m.name, params: m.params, values: named(spec, m.values) })) } };
}

/** The trial-finished event of a trial that has just exited, or undefined while it is unfinished (an interrupted run). */
function finishedEvent(spec: TuningJobSpec, tuner: Tuner, t: Readonly<TrialView> | undefined, previousBest: string | undefined): RunEvent | undefined {
  if (!t || !isFinished(t.phase)) return undefined;
  const best = tuner.best();
  const outcome: TrialOutcome = t.phase === "Succeeded" ? "succeeded" : t.phase === "Failed" ? "failed" : "earlyStopped";
  const multi = isMultiObjective(spec);
  return {
    type: "trial-finished",
    trial: t.name,
    outcome,
    ...(t.value !== undefined ? { value: t.value } : {}),
    metrics: t.metrics,
    ...(t.reason ? { reason: t.reason } : {}),
    best: best?.name === t.name && previousBest !== t.name,
    ...(multi && t.values ? { values: named(spec, t.values) } : {}),
    ...(t.feasible === false ? { infeasible: t.infeasibleReason ?? "a constraint was broken" } : {}),
    ...(multi ? { front: tuner.front().members.some((m) => m.name === t.name) } : {}),
  };
}

/** The run's record on disk: trial times, results saved as they change, and the trial-finished events. */
export function createRecord(options: RunOptions, tuner: Tuner, now: () => Date) {
  const { job, spec, dir } = options;
  mkdirSync(join(dir, "logs"), { recursive: true });
  const startedAt = options.resume?.startedAt ?? now().toISOString();
  const times: TrialTimes = new Map(options.resume?.trials.map((t) => [t.name, { ...(t.startedAt ? { startedAt: t.startedAt } : {}), ...(t.finishedAt ? { finishedAt: t.finishedAt } : {}) }]) ?? []);
  let finishedAt: string | undefined;
  let bestName: string | undefined = tuner.best()?.name;
  const save = (): Results => {
    const r = resultsOf({ job, spec, trials: tuner.trials(), best: tuner.best(), front: tuner.front().members, end: tuner.ended(), startedAt, ...(finishedAt ? { finishedAt } : {}), times, ...(options.warm ? { warmStart: options.warm } : {}) });
    saveResults(dir, r);
    return r;
  };
  return {
    save,
    launched(name: string): void {
      times.set(name, { startedAt: now().toISOString() });
    },
    /** Tells the tuner a trial exited, shows it and saves. */
    exited(name: string, exit: TrialExit): void {
      tuner.exited(name, exit);
      times.set(name, { ...times.get(name), finishedAt: now().toISOString() });
      const best = tuner.best();
      const event = finishedEvent(spec, tuner, tuner.trial(name), bestName);
      if (event) {
        if (best) bestName = best.name;
        options.onEvent(event);
      }
      save();
    },
    /** Saves the final results, with the run's finishing time. */
    finish(): Results {
      finishedAt = now().toISOString();
      return save();
    },
  };
}

