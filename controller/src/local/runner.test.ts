import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TuningJobSpec } from "../api/tuningjob.ts";
import { loadResults } from "./results.ts";
import { startRun, type RunEvent, type RunOptions } from "./runner.ts";
import type { TrialCommand, TrialProcess, TrialProcessEvents } from "./trial-process.ts";

/** A trial process the test drives: it starts, reports and exits when the test's script says so. */
interface FakeTrial {
  cmd: TrialCommand;
  events: TrialProcessEvents;
  /** Stop requests received (reason, grace period). */
  stops: [string, number][];
  exited: boolean;
  exit(ok: boolean, reason?: string): void;
}

function spec(overrides: Record<string, unknown> = {}): TuningJobSpec {
  return TuningJobSpec.parse({
    objective: { metric: "loss", direction: "minimize" },
    parameters: [{ name: "x", type: "double", min: 0, max: 1 }],
    search: { algorithm: "random", seed: 5 },
    budget: { maxTrials: 3, parallelTrials: 1, maxFailedTrials: 1 },
    trialTemplate: { spec: { containers: [{ name: "t", command: ["trainer", "--fast"] }] } },
    ...overrides,
  });
}

/**
 * Runs a job with fake trial processes and a fake clock (one second per reading). `onStart` plays a
 * trial's part once its process has started; `onStop` its answer to a stop request.
 */
function fakeRun(s: TuningJobSpec, script: { onStart(t: FakeTrial): void; onStop?(t: FakeTrial): void }, order: RunOptions["order"] = "trial") {
  const dir = mkdtempSync(join(tmpdir(), "kubetune-runner-"));
  const trials: FakeTrial[] = [];
  const events: RunEvent[] = [];
  let running = 0;
  let mostRunning = 0;
  let ticks = 0;
  const startTrial = (cmd: TrialCommand, ev: TrialProcessEvents): TrialProcess => {
    const t: FakeTrial = {
      cmd,
      events: ev,
      stops: [],
      exited: false,
      exit(ok, reason) {
        if (t.exited) return;
        t.exited = true;
        running--;
        ev.onExit(ok ? { ok } : { ok, reason: reason ?? "failed" });
      },
    };
    trials.push(t);
    // Like a child process: it starts after the runner has registered it.
    queueMicrotask(() => {
      running++;
      mostRunning = Math.max(mostRunning, running);
      ev.onStart();
      script.onStart(t);
    });
    return {
      pid: trials.length,
      stop(reason, graceMs) {
        t.stops.push([reason, graceMs]);
        script.onStop?.(t);
      },
      terminate() {
        t.exit(false, "terminated");
      },
    };
  };
  const options: RunOptions = {
    job: "j",
    spec: s,
    dir,
    cwd: dir,
    graceMs: 7000,
    order,
    env: {},
    pathDirs: [],
    onEvent: (e) => events.push(e),
    startTrial,
    now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, ticks++)),
  };
  const handle = startRun(options);
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  return { handle, trials, events, dir, cleanup, mostRunning: () => mostRunning };
}

/** Lets the runner's promise chains (tuner.next, the decision loop) run until `done()` holds; bounded in turns, not time. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(done(), "the run did not get there");
}

const report = (t: FakeTrial, step: number, loss: number) => t.events.onReport({ trial: t.cmd.trial, step, metrics: { loss } });

test("runs maxTrials trials with the template's command, records each with the clock's times, and ends MaxTrialsReached", { timeout: 30_000 }, async () => {
  const run = fakeRun(spec(), {
    onStart(t) {
      report(t, 1, 0.5);
      t.exit(true);
    },
  });
  try {
    const results = await run.handle.done;
    assert.deepEqual(run.trials.map((t) => t.cmd.trial), ["j-00000", "j-00001", "j-00002"]);
    assert.deepEqual([run.trials[0]?.cmd.file, run.trials[0]?.cmd.args], ["trainer", ["--fast"]]);
    assert.equal(run.trials[0]?.cmd.env.KUBETUNE_TRIAL, "j-00000");
    assert.deepEqual([results.status.phase, results.status.reason], ["Succeeded", "MaxTrialsReached"]);
    assert.deepEqual(results.trials.map((t) => [t.phase, t.outcome, t.value]), [["Succeeded", "succeeded", 0.5], ["Succeeded", "succeeded", 0.5], ["Succeeded", "succeeded", 0.5]]);
    assert.equal(results.startedAt, "2026-01-01T00:00:00.000Z");
    for (const t of results.trials) assert.ok(t.startedAt?.startsWith("2026-01-01T00:00:") && t.finishedAt?.startsWith("2026-01-01T00:00:") && t.startedAt < t.finishedAt, `${t.name}: times from the fake clock`);
    assert.deepEqual(loadResults(run.dir), results, "results.json holds what done resolved with");
    assert.equal(run.events.at(-1)?.type, "job-finished");
  } finally {
    run.cleanup();
  }
});

test("never runs more than parallelTrials at once, and starts the next trial when one exits", { timeout: 30_000 }, async () => {
  const run = fakeRun(spec({ budget: { maxTrials: 5, parallelTrials: 2, maxFailedTrials: 0 } }), { onStart() {} }, "arrival");
  try {
    await until(() => run.trials.length === 2);
    const [first] = run.trials;
    assert.ok(first);
    report(first, 1, 0.3);
    first.exit(true);
    await until(() => run.trials.length === 3);
    for (const t of run.trials.slice(1)) {
      report(t, 1, 0.2);
      t.exit(true);
    }
    await until(() => run.trials.length === 5);
    for (const t of run.trials.slice(3)) {
      report(t, 1, 0.1);
      t.exit(true);
    }
    const results = await run.handle.done;
    assert.equal(run.mostRunning(), 2);
    assert.equal(results.trials.length, 5);
  } finally {
    run.cleanup();
  }
});

test("a trial the stopping rule stops is asked to stop with the grace period and ends early-stopped", { timeout: 30_000 }, async () => {
  const s = spec({ budget: { maxTrials: 2, parallelTrials: 1, maxFailedTrials: 0 }, earlyStopping: { algorithm: "median", settings: { minTrials: 1, startStep: 1, compare: "runningAverage" } } });
  const run = fakeRun(s, {
    onStart(t) {
      if (t.cmd.trial === "j-00000") {
        for (const step of [1, 2, 3]) report(t, step, 1);
        t.exit(true);
      } else report(t, 1, 10);
    },
    // A trainer finishes its step and exits 0 when asked to stop.
    onStop: (t) => t.exit(true),
  });
  try {
    const results = await run.handle.done;
    const stopped = run.trials[1];
    assert.equal(stopped?.stops.length, 1);
    assert.match(stopped?.stops[0]?.[0] ?? "", /^median: /);
    assert.equal(stopped?.stops[0]?.[1], 7000);
    assert.ok(run.events.some((e) => e.type === "trial-stopping" && e.trial === "j-00001"));
    assert.deepEqual(results.trials.map((t) => [t.name, t.phase, t.outcome]), [["j-00000", "Succeeded", "succeeded"], ["j-00001", "EarlyStopped", "earlyStopped"]]);
    assert.equal(run.trials[0]?.stops.length, 0, "the good trial is never asked to stop");
  } finally {
    run.cleanup();
  }
});

test("a failed trial is recorded with its reason, and failures past maxFailedTrials fail the job", { timeout: 30_000 }, async () => {
  const run = fakeRun(spec({ budget: { maxTrials: 3, parallelTrials: 1, maxFailedTrials: 0 } }), { onStart: (t) => t.exit(false, "exited with code 3: boom") });
  try {
    const results = await run.handle.done;
    assert.deepEqual(results.trials.map((t) => [t.phase, t.outcome, t.reason]), [["Failed", "failed", "exited with code 3: boom"]]);
    assert.deepEqual([results.status.phase, results.status.reason], ["Failed", "MaxFailedTrialsExceeded"]);
    const finished = run.events.find((e) => e.type === "trial-finished");
    assert.deepEqual(finished, { type: "trial-finished", trial: "j-00000", outcome: "failed", metrics: {}, reason: "exited with code 3: boom", best: false });
  } finally {
    run.cleanup();
  }
});

/** Lets `turns` rounds of the event loop pass: a stand-in for a trial's compute time, counted in turns, not time. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/**
 * Runs a stopping job whose trials report loss = x + 1/step for 6 steps; `pace` says how many loop turns
 * a trial needs per step, so two paces interleave the parallel trials' output differently.
 */
async function pacedRun(order: RunOptions["order"], pace: (trial: number) => number) {
  const s = spec({
    search: { algorithm: "random", seed: 11 },
    budget: { maxTrials: 8, parallelTrials: 3, maxFailedTrials: 0 },
    earlyStopping: { algorithm: "median", settings: { minTrials: 1, startStep: 2, compare: "prediction" } },
  });
  const run = fakeRun(s, {
    onStart(t) {
      const index = Number(t.cmd.trial.slice(-5));
      const x = Number(JSON.parse(t.cmd.env.KUBETUNE_PARAMS ?? "{}").x);
      void (async () => {
        for (let step = 1; step <= 6 && t.stops.length === 0; step++) {
          await turns(pace(index));
          if (t.stops.length === 0) report(t, step, x + 1 / step);
        }
        await turns(1);
        t.exit(true);
      })();
    },
  }, order);
  try {
    const results = await run.handle.done;
    return results.trials.map((t) => ({ name: t.name, params: t.params, outcome: t.outcome, value: t.value, steps: t.curve.map((p) => p.step) }));
  } finally {
    run.cleanup();
  }
}

test("in trial order a parallel run repeats exactly however its trials' output interleaves; in arrival order it does not", { timeout: 60_000 }, async () => {
  const even = (i: number) => 2;
  const skewed = (i: number) => (i % 2 === 0 ? 9 : 1);
  const a = await pacedRun("trial", even);
  const b = await pacedRun("trial", skewed);
  assert.deepEqual(b, a);
  assert.ok(a.some((t) => t.outcome === "earlyStopped"), "the scenario stops some trials early");
  assert.notDeepEqual(await pacedRun("arrival", skewed), await pacedRun("arrival", even), "the two paces make a difference when reports are taken as they arrive");
});
