import { describeCollector, type MetricsCollector } from "../api/metrics-collector.ts";
import type { TuningJobSpec } from "../api/tuningjob.ts";
import type { Params } from "../api/parameters.ts";
import type { TrialRetry } from "../api/trial.ts";
import { judgedObjective, outcomeMetrics } from "../api/job-objectives.ts";
import { isFinished, jobBest, jobEnd, trialName, trialsToLaunch, type JobEnd, type TrialView } from "./job.ts";
import { jobFront, type Front } from "./front.ts";
import { missingObjective } from "./outcome.ts";
import { recordReport } from "./record-report.ts";
import { restore, type TunerOptions } from "./tuner-restore.ts";
import { settleOutcome, tellOf } from "./tell.ts";
import { repeatsEarlierAttempt, retryOrFail, type InfraExit } from "./retry.ts";

/** Something a shell must do: start a trial, stop one early, or end the job (stopping what still runs). */
export type Action =
  | { type: "launch"; trial: TrialView }
  | { type: "stop"; trial: string; reason: string }
  | { type: "end"; end: JobEnd; stop: string[] };

/**
 * How a report is taken. "live" (the default) is judged by early stopping. "replayed" was judged before
 * (a previous controller applied it and may have acted on it): it is recorded and never judged again.
 * "deferred" is recorded now and judged with the trial's next live report, for reports that arrive
 * while ingestion is still catching up with what a previous controller left unacknowledged.
 */
export type ReportMode = "live" | "replayed" | "deferred";

/** How a trial's process or Pod ended. */
export interface TrialExit {
  /** Exit code 0 (or Pod Succeeded). */
  ok: boolean;
  /** Why it failed, when it did (exit code, signal, OOM, not found...). */
  reason?: string;
  /** Set when the infrastructure failed it (eviction, preemption, a lost node, OOM): it is retried, not failed, within budget.maxRetries. */
  infrastructure?: InfraExit;
}

/** The engine of one job: search + early stopping + the job state machine, driven by events from a shell. */
export interface Tuner {
  /** Decides what to do now: new trials to launch (asking the search algorithm), or the end of the job. */
  next(): Promise<Action[]>;
  /** A trial's process or Pod is running. */
  started(trial: string): void;
  /**
   * Records a metric report; a live one returns a stop action when the early-stopping rule (or divergence)
   * says so. Reports of a trial told to stop are recorded and decide nothing.
   */
  report(trial: string, step: number, metrics: Record<string, number>, mode?: ReportMode): Action[];
  /**
   * A trial's process or Pod ended; settles its phase and tells search and stopping. An infrastructure
   * failure within budget.maxRetries is retried instead: the trial is Pending again for its next attempt
   * (same parameters, its curve kept), and the retry is returned.
   */
  exited(trial: string, exit: TrialExit): TrialRetry | undefined;
  /** Ends the job from outside (Ctrl-C, deletion); returns what must be stopped. */
  interrupt(message: string): Action[];
  /** Every trial, in index order. */
  trials(): readonly TrialView[];
  /** One trial by name, without listing them all (a lookup per metric report). */
  trial(name: string): Readonly<TrialView> | undefined;
  /** The best feasible finished trial so far (none for a multi-objective job: see front). */
  best(): TrialView | undefined;
  /** Multi-objective jobs: the feasible Pareto front of finished trials, at most MAX_FRONT listed (engine/front.ts); empty otherwise. */
  front(): Front;
  /** How the job ended, once it has. */
  ended(): JobEnd | null;
}

/** Creates the engine of one job, optionally rebuilt from stored trials so it continues exactly where it stopped. */
export function createTuner(options: TunerOptions): Tuner {
  const { job, spec } = options;
  const objective = judgedObjective(spec);
  const outcome = outcomeMetrics(spec);
  const restored = restore(options);
  const { trials, suggestionIds, stopRequested, launched, optimizer, stopper } = restored;
  let { finishedCount, nextIndex } = restored;
  let exhausted = false;
  let end: JobEnd | null = null;

  const list = (): TrialView[] => [...trials.values()].sort((a, b) => a.index - b.index);
  const front = (): Front => jobFront(spec, list());
  const state = () => ({ spec, trials: list(), exhausted, frontSize: front().size });
  const active = (): string[] => list().filter((t) => !isFinished(t.phase)).map((t) => t.name);
  const get = (name: string, where: string): TrialView => {
    const t = trials.get(name);
    if (!t) throw new Error(`${where}: unknown trial "${name}" in job ${job}`);
    return t;
  };

  const finish = (t: TrialView, phase: "Succeeded" | "Failed" | "EarlyStopped", reason?: string): void => {
    t.phase = phase;
    if (reason !== undefined) t.reason = reason;
    t.finishedOrder = finishedCount++;
    settleOutcome(t, spec);
    optimizer.tell(tellOf(suggestionIds.get(t.name) ?? t.name, t, spec));
    if (phase === "Succeeded") stopper.complete(t.name);
    else if (phase === "Failed") stopper.fail(t.name);
  };

  /** Restored unfinished trials are launched again, once, before anything new is asked for. */
  const relaunches = (): Action[] =>
    list()
      .filter((t) => t.phase === "Pending" && !launched.has(t.name))
      .map((t) => {
        launched.add(t.name);
        return { type: "launch", trial: t };
      });
  /** Ends the job: every active trial is stopped, and counts as early-stopped when it exits. */
  const endWith = (over: JobEnd): Action[] => {
    end = over;
    const stop = active();
    for (const name of stop) if (!stopRequested.has(name)) stopRequested.set(name, `the job ended (${over.reason})`);
    return [{ type: "end", end: over, stop }];
  };

  return {
    async next() {
      if (end) return [];
      const over = jobEnd(state());
      if (over) return endWith(over);
      const actions: Action[] = relaunches();
      const wanted = trialsToLaunch(state());
      if (wanted > 0) {
        const suggestions = await optimizer.ask(wanted);
        if (suggestions.length < wanted) exhausted = true;
        for (const s of suggestions) {
          const index = nextIndex++;
          const t: TrialView = { name: trialName(job, index), index, params: s.params as Params, phase: "Pending", curve: [], metrics: {} };
          trials.set(t.name, t);
          suggestionIds.set(t.name, s.id);
          launched.add(t.name);
          actions.push({ type: "launch", trial: t });
        }
        if (actions.length === 0) {
          const done = jobEnd(state());
          if (done) return endWith(done);
        }
      }
      return actions;
    },
    started(name) {
      const t = get(name, "started");
      if (t.phase === "Pending") t.phase = "Running";
    },
    report(name, step, metrics, mode = "live") {
      const t = get(name, "report");
      if (isFinished(t.phase) || repeatsEarlierAttempt(t, step)) return [];
      if (t.phase === "Pending") t.phase = "Running";
      // A stopping trial's tail goes into its curve (its Pod reported it), but the trial keeps the value
      // and metrics it was judged on when stopped, and is judged no more.
      const stopping = stopRequested.has(name);
      const v = recordReport(t, step, metrics, objective, stopping, outcome);
      if (v === undefined) return [];
      if (end || stopping || mode !== "live") {
        stopper.record(name, step, v, mode !== "deferred");
        return [];
      }
      const decision = stopper.report(name, step, v);
      if (decision.action === "stop") {
        stopRequested.set(name, decision.reason);
        return [{ type: "stop", trial: name, reason: decision.reason }];
      }
      return [];
    },
    exited(name, exit) {
      const t = get(name, "exited");
      // An interrupted run leaves its unfinished trials unfinished, so that a resume runs them again.
      if (isFinished(t.phase) || end?.reason === "Interrupted") return undefined;
      const s = settle(t, exit, stopRequested.get(name), spec);
      if ("retry" in s) {
        t.retries = [...(t.retries ?? []), s.retry];
        t.phase = "Pending";
        return s.retry;
      }
      finish(t, s.phase, s.reason);
      return undefined;
    },
    interrupt(message) {
      if (end) return [];
      end = { phase: "Failed", reason: "Interrupted", message };
      return [{ type: "end", end, stop: active() }];
    },
    trials: list,
    trial: (name) => trials.get(name),
    best: () => jobBest(spec, list()),
    front,
    ended: () => end,
  };
}

/** How an exit settles a trial: its final phase and reason, or (an infrastructure failure within budget.maxRetries) a retry. */
function settle(t: TrialView, exit: TrialExit, early: string | undefined, spec: TuningJobSpec): { retry: TrialRetry } | { phase: "Succeeded" | "Failed" | "EarlyStopped"; reason?: string } {
  if (early !== undefined) return { phase: "EarlyStopped", reason: early };
  if (!exit.ok && exit.infrastructure) {
    const r = retryOrFail(t, exit.infrastructure, spec.budget.maxRetries);
    return "fail" in r ? { phase: "Failed", reason: r.fail } : r;
  }
  if (!exit.ok) return { phase: "Failed", reason: exit.reason ?? "the trial exited with an error" };
  const missing = t.value === undefined ? judgedObjective(spec).metric : missingObjective(t, spec.objectives ?? []);
  if (missing !== undefined) return { phase: "Failed", reason: noObjectiveReason(missing, spec.metricsCollector) };
  return { phase: "Succeeded" };
}

/** Why a trial that exited 0 failed: it never reported the objective; with a collector, where it looked. */
function noObjectiveReason(metric: string, collector: MetricsCollector | undefined): string {
  const reason = `exited without reporting the objective metric "${metric}"`;
  if (collector === undefined) return reason;
  return `${reason}: the metrics collector read ${describeCollector(collector)} and found no "${metric}"; check that the trial ${collector.kind === "file" ? "writes" : "prints"} it in that format (collector_malformed_lines counts the lines it could not read)`;
}
