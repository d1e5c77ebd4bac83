import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { MetricMessage } from "../api/metrics.ts";
import type { Params } from "../api/parameters.ts";
import { REPORT_KEY_ENV, trialReportKey } from "../api/report-signature.ts";
import type { TuningJobSpec } from "../api/tuningjob.ts";
import { substituteParams, trialEnv } from "../engine/template.ts";
import { createTuner, type Action } from "../engine/tuner.ts";
import type { JobEnd, TrialView } from "../engine/job.ts";
import { resultsOf, saveResults, trialViewsOf, type Outcome, type Results, type TrialTimes } from "./results.ts";
import { startTrialProcess, type TrialProcess } from "./trial-process.ts";
import { LOCAL_NAMESPACE, LOCAL_TRIAL_UID, openNatsChannel, type NatsChannel } from "./nats-channel.ts";

/** What happens during a local run, for the terminal views and `--json`. */
export type RunEvent =
  | { type: "job-started"; job: string; dir: string; maxTrials: number; parallel: number; resumed: number }
  | { type: "trial-started"; trial: string; params: Params }
  | { type: "trial-report"; trial: string; step: number; value?: number; metrics: Record<string, number> }
  | { type: "trial-bad-report"; trial: string; problem: string }
  | { type: "trial-stopping"; trial: string; reason: string }
  | { type: "trial-finished"; trial: string; outcome: Outcome; value?: number; reason?: string; best: boolean }
  | { type: "job-finished"; end: JobEnd; best: { name: string; params: Params; value: number } | null; dir: string };

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
  /** How long a trial has to stop after a stop request before SIGTERM. */
  graceMs: number;
  /** The environment trial processes inherit. */
  env: NodeJS.ProcessEnv;
  /** Directories put first on the trials' PATH (node_modules/.bin, so kubetune-trainer resolves). */
  pathDirs: string[];
  /** Report over NATS instead of stdout lines (the runner then listens on NATS; see nats-channel.ts). */
  natsUrl?: string;
  onEvent(event: RunEvent): void;
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

/** Builds the command, arguments and environment of one trial from the job's trial template; with a `signingKey`, the trial gets its report key. */
export function trialCommand(options: Pick<RunOptions, "job" | "spec" | "cwd" | "env" | "pathDirs" | "natsUrl" | "dir"> & { signingKey?: Uint8Array }, trial: TrialView) {
  const template = substituteParams(options.spec.trialTemplate, trial.params);
  const container = template.spec.containers[0];
  if (!container) throw new Error("spec.trialTemplate.spec.containers is empty");
  const [file, ...commandArgs] = container.command ?? [];
  if (file === undefined) {
    throw new Error(
      `spec.trialTemplate.spec.containers[0] (${container.name}) has no command; kubetune run starts the container's command as a local process, so set command (e.g. [kubetune-trainer])`,
    );
  }
  const collector = options.spec.metricsCollector;
  if (collector?.kind === "file") {
    throw new Error(`spec.metricsCollector kind file (${collector.path}) is read by a sidecar in a cluster only; kubetune run reads a trial's stdout, so use kind: stdout with format ${collector.format} to run this job locally`);
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v;
  for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  for (const e of trialEnv({ namespace: LOCAL_NAMESPACE, job: options.job, trial: trial.name, params: trial.params, objective: options.spec.objective.metric, natsUrl: options.natsUrl ?? "" })) {
    env[e.name] = e.value;
  }
  if (options.natsUrl === undefined) {
    delete env.KUBETUNE_NATS_URL;
    env.KUBETUNE_REPORT = "stdio";
  }
  // Never a key inherited from the shell: it would not be this trial's.
  delete env[REPORT_KEY_ENV];
  if (options.signingKey) env[REPORT_KEY_ENV] = trialReportKey(options.signingKey, { namespace: LOCAL_NAMESPACE, job: options.job, trial: trial.name, uid: LOCAL_TRIAL_UID });
  env.PATH = [...options.pathDirs, env.PATH ?? ""].filter((p) => p !== "").join(delimiter);
  return {
    trial: trial.name,
    file,
    args: [...commandArgs, ...(container.args ?? [])],
    env,
    cwd: options.cwd,
    logPath: join(options.dir, "logs", `${trial.name}.log`),
    ...(collector ? { collector } : {}),
  };
}

/** Starts a local tuning run: the tuner decides, trials run as child processes, results are saved as they change. */
export function startRun(options: RunOptions): RunHandle {
  const { job, spec, dir } = options;
  mkdirSync(join(dir, "logs"), { recursive: true });
  const tuner = createTuner({ job, spec, ...(options.resume ? { trials: trialViewsOf(options.resume) } : {}) });
  const startedAt = options.resume?.startedAt ?? new Date().toISOString();
  const times: TrialTimes = new Map(options.resume?.trials.map((t) => [t.name, { ...(t.startedAt ? { startedAt: t.startedAt } : {}), ...(t.finishedAt ? { finishedAt: t.finishedAt } : {}) }]) ?? []);
  const processes = new Map<string, TrialProcess>();
  // Over NATS anyone on the server could publish on a trial's subject: each trial signs with a key from
  // this run's own signing key, which lives only in this process's memory.
  const signingKey = options.natsUrl ? randomBytes(32) : undefined;
  let finishedAt: string | undefined;
  let bestName: string | undefined = tuner.best()?.name;
  let ticking = false;
  let again = false;
  let settled = false;
  let resolveDone: (r: Results) => void = () => {};
  let rejectDone: (e: unknown) => void = () => {};
  const done = new Promise<Results>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });

  const snapshot = (): Results =>
    resultsOf({ job, spec, trials: tuner.trials(), best: tuner.best(), end: tuner.ended(), startedAt, ...(finishedAt ? { finishedAt } : {}), times });
  const save = (): Results => {
    const r = snapshot();
    saveResults(dir, r);
    return r;
  };

  let channel: NatsChannel | undefined;
  /** Asks a trial to stop on every channel it may listen on (stdin, and NATS with --nats). */
  const stopTrial = (name: string, reason: string): void => {
    channel?.stop(name, reason);
    processes.get(name)?.stop(reason, options.graceMs);
  };

  const apply = (actions: Action[]): void => {
    for (const a of actions) {
      if (a.type === "launch") launch(a.trial);
      else if (a.type === "stop") {
        options.onEvent({ type: "trial-stopping", trial: a.trial, reason: a.reason });
        stopTrial(a.trial, a.reason);
      } else {
        for (const name of a.stop) stopTrial(name, `the job ended: ${a.end.message}`);
      }
    }
  };

  const launch = (trial: TrialView): void => {
    let cmd;
    try {
      cmd = trialCommand({ ...options, ...(signingKey ? { signingKey } : {}) }, trial);
    } catch (e) {
      tuner.exited(trial.name, { ok: false, reason: (e as Error).message });
      // Decide again, as after any exit: the failure may end the job (or free a slot).
      tick();
      return;
    }
    times.set(trial.name, { startedAt: new Date().toISOString() });
    const proc = startTrialProcess(cmd, {
      onStart: () => {
        tuner.started(trial.name);
        options.onEvent({ type: "trial-started", trial: trial.name, params: trial.params });
      },
      onReport: (m: MetricMessage) => report(trial.name, m),
      onBadReport: (_line, problem) => options.onEvent({ type: "trial-bad-report", trial: trial.name, problem }),
      onExit: (exit) => {
        processes.delete(trial.name);
        tuner.exited(trial.name, exit);
        const t = tuner.trials().find((x) => x.name === trial.name);
        const entry = times.get(trial.name) ?? {};
        entry.finishedAt = new Date().toISOString();
        times.set(trial.name, entry);
        if (t && (t.phase === "Succeeded" || t.phase === "Failed" || t.phase === "EarlyStopped")) {
          const best = tuner.best();
          const isBest = best?.name === t.name && bestName !== t.name;
          if (best) bestName = best.name;
          const outcome: Outcome = t.phase === "Succeeded" ? "succeeded" : t.phase === "Failed" ? "failed" : "earlyStopped";
          options.onEvent({ type: "trial-finished", trial: t.name, outcome, ...(t.value !== undefined ? { value: t.value } : {}), ...(t.reason ? { reason: t.reason } : {}), best: isBest });
        }
        save();
        tick();
      },
    });
    processes.set(trial.name, proc);
  };

  const report = (trial: string, m: MetricMessage): void => {
    if (m.trial !== trial) {
      options.onEvent({ type: "trial-bad-report", trial, problem: `report names trial "${m.trial}", not "${trial}"; ignored` });
      return;
    }
    const actions = tuner.report(trial, m.step, m.metrics);
    const value = m.metrics[spec.objective.metric];
    options.onEvent({ type: "trial-report", trial, step: m.step, ...(value !== undefined ? { value } : {}), metrics: m.metrics });
    apply(actions);
  };

  /** Runs the tuner's decision loop, one pass at a time; a request during a pass runs another pass after it. */
  const tick = (): void => {
    if (ticking) {
      again = true;
      return;
    }
    ticking = true;
    void (async () => {
      try {
        do {
          again = false;
          apply(await tuner.next());
        } while (again);
        if (tuner.ended() && processes.size === 0 && !settled) {
          settled = true;
          await channel?.close();
          finishedAt = new Date().toISOString();
          const r = save();
          const end = tuner.ended() as JobEnd;
          options.onEvent({ type: "job-finished", end, best: r.best, dir });
          resolveDone(r);
        }
      } catch (e) {
        for (const p of processes.values()) p.terminate(1000);
        settled = true;
        rejectDone(e);
      } finally {
        ticking = false;
      }
    })();
  };

  options.onEvent({ type: "job-started", job, dir, maxTrials: spec.budget.maxTrials, parallel: spec.budget.parallelTrials, resumed: options.resume?.trials.length ?? 0 });
  save();
  const ready = options.natsUrl
    ? openNatsChannel(
        options.natsUrl,
        job,
        signingKey ?? randomBytes(32),
        (trial, m) => {
          if (processes.has(trial)) report(trial, m);
        },
        (trial, problem) => options.onEvent({ type: "trial-bad-report", trial, problem }),
      ).then((c) => {
        channel = c;
      })
    : Promise.resolve();
  ready.then(tick, (e: unknown) => {
    settled = true;
    rejectDone(e);
  });

  return {
    done,
    interrupt() {
      apply(tuner.interrupt("interrupted by the user"));
      for (const p of processes.values()) p.terminate(options.graceMs);
      tick();
    },
    kill() {
      for (const p of processes.values()) p.terminate(0);
    },
  };
}
