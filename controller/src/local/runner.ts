import { randomBytes } from "node:crypto";
import type { MetricMessage } from "../api/metrics.ts";
import type { Params } from "../api/parameters.ts";
import type { TuningJobSpec } from "../api/tuningjob.ts";
import type { WarmStartStatus } from "../api/warm-start.ts";
import { createTuner, type Action, type TrialExit, type Tuner } from "../engine/tuner.ts";
import type { JobEnd, TrialView } from "../engine/job.ts";
import { trialViewsOf, type TrialOutcome, type Results } from "./results.ts";
import { startTrialProcess, type TrialCommand, type TrialProcess, type TrialProcessEvents } from "./trial-process.ts";
import { openNatsChannel, type NatsChannel } from "./nats-channel.ts";
import { trialCommand } from "./trial-command.ts";
import { createSequencer, type Sequenced } from "./sequencer.ts";
import { judgedObjective } from "../api/job-objectives.ts";
import { createRecord, frontOf } from "./run-record.ts";

/** What happens during a local run, for the terminal views and `--json`. */
export type RunEvent =
  | { type: "job-started"; job: string; dir: string; maxTrials: number; parallel: number; resumed: number }
  | { type: "trial-started"; trial: string; params: Params }
  | { type: "trial-report"; trial: string; step: number; value?: number; metrics: Record<string, number> }
  | { type: "trial-bad-report"; trial: string; problem: string }
  | { type: "trial-stopping"; trial: string; reason: string }
  | { type: "trial-finished"; trial: string; outcome: TrialOutcome; value?: number; metrics: Record<string, number>; reason?: string; best: boolean; values?: ObjectiveValue[]; infeasible?: string; front?: boolean }
  | { type: "job-finished"; end: JobEnd; best: { name: string; params: Params; value: number } | null; dir: string; front?: { size: number; members: { name: string; params: Params; values: ObjectiveValue[] }[] } };

/** One objective's value of a trial, named (multi-objective jobs). */
export interface ObjectiveValue {
  metric: string;
  value: number;
}

/** Everything a local run needs. */
export interface RunOptions {
  job: string;
  spec: TuningJobSpec;
  /** The run directory (results.json, trials.csv, report.html, logs/). */
  dir: string;
  /** Working directory of trial processes. */
  cwd: string;
  /** A previous run of the same job to continue. */
  resume?: Results;
  /** Trials of earlier runs the search is told first (spec.search.warmStart; local/warm-runs.ts); saved in results.json. */
  warm?: WarmStartStatus;
  /** How long a trial has to stop after a stop request before SIGTERM. */
  graceMs: number;
  /** The environment trial processes inherit. */
  env: NodeJS.ProcessEnv;
  /** Directories put first on the trials' PATH (node_modules/.bin, so kubetune-trainer resolves). */
  pathDirs: string[];
  /**
   * "trial": reports and exits are taken in an order fixed by trial index and step, so a run repeats
   * under its seed (a slot may wait for a slower trial to catch up); "arrival": as they come.
   */
  order: "trial" | "arrival";
  /** Report over NATS instead of stdout lines (the runner then listens on NATS; see nats-channel.ts). */
  natsUrl?: string;
  onEvent(event: RunEvent): void;
  /** Starts a trial's process (default: a child process, trial-process.ts); tests pass a fake. */
  startTrial?: (cmd: TrialCommand, events: TrialProcessEvents) => TrialProcess;
  /** The clock of the run's recorded times (default: the system clock); tests pass a fake. */
  now?: () => Date;
}

/** A run in progress. */
export interface RunHandle {
  /** Resolves with the final results once every trial process has exited. */
  done: Promise<Results>;
  /** Stops the run like Ctrl-C: trials are stopped, results are written, the run can be resumed. */
  interrupt(): void;
  /** Kills every trial process at once (a second Ctrl-C). */
  kill(): void;
}

/** Opens the run's NATS channel (with --nats): reports of the run's live trials go to `report`, bad ones to the view. */
function openChannel(options: RunOptions, signingKey: Uint8Array, isRunning: (trial: string) => boolean, report: (trial: string, m: MetricMessage) => void): Promise<NatsChannel | undefined> {
  if (!options.natsUrl) return Promise.resolve(undefined);
  return openNatsChannel(
    options.natsUrl,
    options.job,
    signingKey,
    (trial, m) => {
      if (isRunning(trial)) report(trial, m);
    },
    (trial, problem) => options.onEvent({ type: "trial-bad-report", trial, problem }),
  );
}

/** A promise with its resolve and reject (Promise.withResolvers is beyond the ES2023 lib this project targets). */
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(e: unknown): void } {
  let resolve: (value: T) => void = () => {};
  let reject: (e: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Runs `pass` one at a time, then `after`: a call during a run makes the loop run `pass` once more
 * before `after`; whatever throws goes to `onError`.
 */
function serialized(pass: () => Promise<void>, after: () => Promise<void>, onError: (e: unknown) => void): () => void {
  let running = false;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      try {
        do {
          again = false;
          await pass();
        } while (again);
        await after();
      } catch (e) {
        onError(e);
      } finally {
        running = false;
      }
    })();
  };
}

/** Gives a trial's report to the tuner and the view; what the tuner decides (a report naming another trial is shown and ignored). */
function takeReport(options: RunOptions, tuner: Tuner, trial: string, m: MetricMessage): Action[] {
  if (m.trial !== trial) {
    options.onEvent({ type: "trial-bad-report", trial, problem: `report names trial "${m.trial}", not "${trial}"; ignored` });
    return [];
  }
  const actions = tuner.report(trial, m.step, m.metrics);
  const value = m.metrics[judgedObjective(options.spec).metric];
  options.onEvent({ type: "trial-report", trial, step: m.step, ...(value !== undefined ? { value } : {}), metrics: m.metrics });
  return actions;
}

/** Starts a local tuning run: the tuner decides, trials run as child processes, results are saved as they change. */
export function startRun(options: RunOptions): RunHandle {
  const { job, spec, dir } = options;
  const now = options.now ?? (() => new Date());
  const tuner = createTuner({ job, spec, ...(options.resume ? { trials: trialViewsOf(options.resume) } : {}), ...(options.warm ? { warm: options.warm.observations } : {}) });
  const record = createRecord(options, tuner, now);
  const processes = new Map<string, TrialProcess>();
  // Over NATS anyone on the server could publish on a trial's subject: each trial signs with a key from
  // this run's own signing key, which lives only in this process's memory.
  const signingKey = options.natsUrl ? randomBytes(32) : undefined;
  let settled = false;
  let decided = false;
  const done = deferred<Results>();
  // Reports and exits reach the tuner in an order fixed by trial index and step, not by arrival.
  const sequencer = createSequencer<MetricMessage, TrialExit>(options.order === "trial");

  let channel: NatsChannel | undefined;
  /** Drops what a trial reports from now on (in trial order) and asks it to stop on every channel it may listen on (stdin, and NATS with --nats). */
  const stopTrial = (name: string, reason: string): void => {
    sequencer.stopped(name);
    channel?.stop(name, reason);
    processes.get(name)?.stop(reason, options.graceMs);
  };

  const apply = (actions: Action[]): void => {
    for (const a of actions) {
      if (a.type === "launch") launch(a.trial);
      else if (a.type === "stop") {
        options.onEvent({ type: "trial-stopping", trial: a.trial, reason: a.reason });
        stopTrial(a.trial, a.reason);
      } else for (const name of a.stop) stopTrial(name, `the job ended: ${a.end.message}`);
    }
  };

  const launch = (trial: TrialView): void => {
    sequencer.launch(trial.name, trial.index);
    let cmd;
    try {
      cmd = trialCommand({ ...options, ...(signingKey ? { signingKey } : {}) }, trial);
    } catch (e) {
      // Taken like any exit: the failure may end the job (or free a slot).
      arrived(trial.name, { kind: "exit", exit: { ok: false, reason: (e as Error).message } });
      return;
    }
    record.launched(trial.name);
    const proc = (options.startTrial ?? startTrialProcess)(cmd, {
      onStart: () => {
        tuner.started(trial.name);
        options.onEvent({ type: "trial-started", trial: trial.name, params: trial.params });
      },
      onReport: (m: MetricMessage) => report(trial.name, m),
      onBadReport: (_line, problem) => options.onEvent({ type: "trial-bad-report", trial: trial.name, problem }),
      onExit: (exit) => {
        processes.delete(trial.name);
        arrived(trial.name, { kind: "exit", exit });
      },
    });
    processes.set(trial.name, proc);
  };

  /** A trial's report or exit arrived: the sequencer holds it until its turn. */
  const arrived = (trial: string, event: Sequenced<MetricMessage, TrialExit>): void => {
    sequencer.push(trial, event);
    tick();
  };
  const report = (trial: string, m: MetricMessage): void => arrived(trial, { kind: "report", step: m.step, report: m });

  /** Ends the run once the job has ended and every trial process has exited: closes NATS, saves, resolves `done`. */
  const settleIfDone = async (): Promise<void> => {
    if (!tuner.ended() || processes.size > 0 || !sequencer.idle() || settled) return;
    settled = true;
    await channel?.close();
    const r = record.finish();
    options.onEvent({ type: "job-finished", end: tuner.ended() as JobEnd, best: r.best, dir, ...frontOf(options.spec, tuner) });
    done.resolve(r);
  };
  const fail = (e: unknown): void => {
    settled = true;
    done.reject(e);
  };
  /** Takes what the sequencer releases; the first pass and every exit are followed by a decision (launches, the end). */
  const pass = async (): Promise<void> => {
    if (!decided) {
      decided = true;
      apply(await tuner.next());
    }
    for (let e = sequencer.next(); e; e = sequencer.next()) {
      if (e.kind === "report") apply(takeReport(options, tuner, e.trial, e.report));
      else {
        record.exited(e.trial, e.exit);
        apply(await tuner.next());
      }
    }
  };
  const tick = serialized(pass, settleIfDone, (e) => {
    for (const p of processes.values()) p.terminate(1000);
    fail(e);
  });

  options.onEvent({ type: "job-started", job, dir, maxTrials: spec.budget.maxTrials, parallel: spec.budget.parallelTrials, resumed: options.resume?.trials.length ?? 0 });
  record.save();
  openChannel(options, signingKey ?? randomBytes(32), (trial) => processes.has(trial), report).then((c) => {
    channel = c;
    tick();
  }, fail);

  return {
    done: done.promise,
    interrupt() {
      apply(tuner.interrupt("interrupted by the user"));
      sequencer.drain();
      for (const p of processes.values()) p.terminate(options.graceMs);
      tick();
    },
    kill() {
      for (const p of processes.values()) p.terminate(0);
    },
  };
}
