import type { TuningJobSpec } from "../api/tuningjob.ts";
import { createStopper, stopperConfigFromSpec, type Stopper, type TrialHistory } from "./stopping/index.ts";
import { createOptimizer, type HistoryEntry, type Optimizer } from "./search/index.ts";
import { isFinished, type TrialView } from "./job.ts";
import { judgedObjective } from "../api/job-objectives.ts";
import { tellOf } from "./tell.ts";
import type { WarmObservation } from "../api/warm-start.ts";
import { warmHistory } from "./warm-start.ts";

/** Options for a tuner; `trials` rebuilds one from stored trials. */
export interface TunerOptions {
  job: string;
  spec: TuningJobSpec;
  trials?: readonly TrialView[];
  /**
   * What becomes of stored trials that had not finished: "relaunch" (a local run: their processes are
   * gone, so they run again from scratch) or "keep" (a controller restart: their Pods still run, so they
   * keep their phase and learning curve, and early stopping goes on judging them). Default "relaunch".
   */
  unfinished?: "relaunch" | "keep";
  /**
   * With "keep": stops decided before the rebuild whose trials have not exited yet (trial name → reason).
   * Such a trial stays stopped: its later reports are recorded but never judged, and it ends EarlyStopped
   * with this reason when it exits.
   */
  stops?: Readonly<Record<string, string>>;
  /**
   * Finished trials of earlier jobs (warm start, engine/warm-start.ts): told to the optimizer before the
   * job's own trials, as if suggested before them. They are not this job's trials and never count towards its budget.
   */
  warm?: readonly WarmObservation[];
}

/** A tuner's bookkeeping, as rebuilt from stored trials (empty for a new job). */
export interface Restored {
  trials: Map<string, TrialView>;
  /** Trial name → the optimizer's suggestion id (a restored trial's id is its name). */
  suggestionIds: Map<string, string>;
  /** Trials told to stop (name → reason): their reports are recorded, never judged. */
  stopRequested: Map<string, string>;
  /** Trials already handed to the shell to launch. */
  launched: Set<string>;
  optimizer: Optimizer;
  stopper: Stopper;
  finishedCount: number;
  nextIndex: number;
}

/** Rebuilds search, early stopping and the trial table from `options.trials`, so the tuner continues where it stopped. */
export function restore(options: TunerOptions): Restored {
  const { spec } = options;
  const objective = judgedObjective(spec);
  const constraints = spec.constraints ?? [];
  const trials = new Map<string, TrialView>();
  const suggestionIds = new Map<string, string>();
  const stopRequested = new Map<string, string>();
  let finishedCount = 0;

  const restored = [...(options.trials ?? [])].sort((a, b) => a.index - b.index);
  const finished = restored.filter((t) => isFinished(t.phase)).sort((a, b) => (a.finishedOrder ?? a.index) - (b.finishedOrder ?? b.index));
  const unfinished = restored.filter((t) => !isFinished(t.phase));
  // Past the highest index, not the count: a trial lost while no controller ran leaves a gap, and
  // reusing an index would name a new trial like an existing one. Indices count suggestions made.
  const nextIndex = restored.reduce((max, t) => Math.max(max, t.index + 1), 0);

  const optimizer: Optimizer = createOptimizer(
    { parameters: spec.parameters, ...(spec.objectives ? { objectives: spec.objectives } : { objective }), ...(constraints.length > 0 ? { constraints } : {}), algorithm: { name: spec.search.algorithm, settings: spec.search.settings ?? {} }, seed: spec.search.seed ?? 0 },
    [
      ...warmHistory(options.warm ?? []),
      // The same outcome the live tuner told, so the rebuilt optimizer continues identically.
      ...finished.map((t): HistoryEntry => ({ ...tellOf(t.name, t, spec), params: t.params })),
      ...unfinished.map((t): HistoryEntry => ({ id: t.name, params: t.params, pending: true })),
    ],
    { suggestionsMade: (options.warm?.length ?? 0) + nextIndex },
  );
  const keep = options.unfinished === "keep";
  const stoppedBefore = new Map(keep ? Object.entries(options.stops ?? {}) : []);
  const finiteCurve = (t: TrialView) => t.curve.filter((p) => Number.isFinite(p.value));
  const stopper: Stopper = createStopper(stopperConfigFromSpec(spec.earlyStopping, objective), [
    ...finished.map((t): TrialHistory => ({ trial: t.name, curve: finiteCurve(t), state: t.phase === "Succeeded" ? "completed" : t.phase === "Failed" ? "failed" : "stopped" })),
    ...(keep
      ? unfinished.map((t): TrialHistory => {
          const reason = stoppedBefore.get(t.name);
          return reason === undefined ? { trial: t.name, curve: finiteCurve(t), state: "running" } : { trial: t.name, curve: finiteCurve(t), state: "stopped", reason };
        })
      : []),
  ]);
  for (const [name, reason] of stoppedBefore) if (unfinished.some((t) => t.name === name)) stopRequested.set(name, reason);
  for (const t of finished) {
    trials.set(t.name, { ...t, finishedOrder: finishedCount++ });
  }
  const launched = new Set<string>();
  for (const t of unfinished) {
    suggestionIds.set(t.name, t.name);
    if (keep) {
      trials.set(t.name, { ...t, curve: [...t.curve], metrics: { ...t.metrics } });
      launched.add(t.name);
    } else {
      // Its process is gone with the old run: the trial runs again from scratch with the same parameters.
      trials.set(t.name, { name: t.name, index: t.index, params: t.params, phase: "Pending", curve: [], metrics: {} });
    }
  }
  return { trials, suggestionIds, stopRequested, launched, optimizer, stopper, finishedCount, nextIndex };
}

