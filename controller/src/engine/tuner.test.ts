import { test } from "node:test";
import assert from "node:assert/strict";
import { TuningJobSpec } from "../api/tuningjob.ts";
import { createTuner, type Action, type Tuner } from "./tuner.ts";
import { extendedObjectiveValue, jobEnd, objectiveValue, trialName, trialsToLaunch } from "./job.ts";

function spec(overrides: Record<string, unknown> = {}): TuningJobSpec {
  return TuningJobSpec.parse({
    objective: { metric: "loss", direction: "minimize" },
    parameters: [{ name: "x", type: "double", min: 0, max: 1 }],
    search: { algorithm: "random", seed: 3 },
    budget: { maxTrials: 6, parallelTrials: 2, maxFailedTrials: 1 },
    trialTemplate: { spec: { containers: [{ name: "t", image: "i", command: ["run"] }] } },
    ...overrides,
  });
}

const launches = (actions: Action[]) => actions.filter((a) => a.type === "launch").map((a) => (a.type === "launch" ? a.trial.name : ""));
const endOf = (actions: Action[]) => actions.find((a) => a.type === "end");

/** Runs a trial to completion with a loss curve that ends at `final`. */
function finishTrial(t: Tuner, name: string, final: number, steps = 3): void {
  t.started(name);
  for (let s = 1; s <= steps; s++) t.report(name, s, { loss: final + (steps - s), acc: s });
  t.exited(name, { ok: true });
}

test("keeps parallelTrials running and ends when maxTrials have finished", async () => {
  const t = createTuner({ job: "j", spec: spec() });
  assert.deepEqual(launches(await t.next()), ["j-00000", "j-00001"]);
  assert.deepEqual(await t.next(), [], "no more while two are active");
  finishTrial(t, "j-00000", 0.5);
  assert.deepEqual(launches(await t.next()), ["j-00002"]);
  for (const n of ["j-00001", "j-00002"]) finishTrial(t, n, 0.4);
  assert.deepEqual(launches(await t.next()), ["j-00003", "j-00004"]);
  finishTrial(t, "j-00003", 0.1);
  assert.deepEqual(launches(await t.next()), ["j-00005"]);
  finishTrial(t, "j-00004", 0.3);
  assert.deepEqual(await t.next(), [], "maxTrials created: nothing new");
  finishTrial(t, "j-00005", 0.2);
  const end = endOf(await t.next());
  assert.equal(end?.type === "end" && end.end.reason, "MaxTrialsReached");
  assert.equal(t.best()?.name, "j-00003");
  assert.equal(t.best()?.value, 0.1);
});

test("a trial's value follows the objective's strategy and direction", () => {
  const curve = [{ step: 1, value: 3 }, { step: 2, value: 1 }, { step: 3, value: 2 }];
  assert.equal(objectiveValue(curve, { direction: "minimize" }), 1);
  assert.equal(objectiveValue(curve, { direction: "maximize" }), 3);
  assert.equal(objectiveValue(curve, { direction: "minimize", strategy: "last" }), 2);
  assert.equal(objectiveValue([{ step: 1, value: Number.NaN }], { direction: "minimize" }), undefined);
});

test("a trial's value kept up report by report equals the value of its whole curve", () => {
  const values = [3, Number.NaN, 1, 1, Number.POSITIVE_INFINITY, 2, 0.5, 4, -1, Number.NaN];
  for (const objective of [{ direction: "minimize" }, { direction: "maximize" }, { direction: "minimize", strategy: "last" }, { direction: "maximize", strategy: "last" }] as const) {
    let running: number | undefined;
    values.forEach((value, i) => {
      running = extendedObjectiveValue(running, value, objective);
      assert.equal(running, objectiveValue(values.slice(0, i + 1).map((v, step) => ({ step, value: v })), objective), `${JSON.stringify(objective)} after ${i + 1} points`);
    });
  }
});

test("a report for an earlier step replaces that point and recomputes the value", async () => {
  const t = createTuner({ job: "j", spec: spec() });
  await t.next();
  t.report("j-00000", 1, { loss: 0.5 });
  t.report("j-00000", 3, { loss: 0.2 });
  t.report("j-00000", 2, { loss: 0.4 });
  assert.deepEqual(t.trial("j-00000")?.curve.map((p) => p.step), [1, 2, 3]);
  t.report("j-00000", 3, { loss: 0.45 });
  assert.equal(t.trial("j-00000")?.value, 0.4);
});

test("failures beyond maxFailedTrials fail the job and stop what still runs", async () => {
  const t = createTuner({ job: "j", spec: spec() });
  await t.next();
  t.exited("j-00000", { ok: false, reason: "exited with code 2" });
  assert.deepEqual(launches(await t.next()), ["j-00002"]);
  t.exited("j-00001", { ok: false, reason: "exited with code 9" });
  const actions = await t.next();
  const end = endOf(actions);
  assert.ok(end?.type === "end");
  assert.equal(end.end.phase, "Failed");
  assert.equal(end.end.reason, "MaxFailedTrialsExceeded");
  assert.match(end.end.message, /2 trials failed, more than maxFailedTrials \(1\); last failure: j-00001: exited with code 9/);
  assert.deepEqual(end.stop, ["j-00002"]);
  t.exited("j-00002", { ok: false, reason: "SIGTERM" });
  assert.equal(t.trials()[2]?.phase, "EarlyStopped", "a trial stopped because the job ended is not a failure");
});

test("a trial that exits 0 without the objective metric failed, with that reason", async () => {
  const t = createTuner({ job: "j", spec: spec() });
  await t.next();
  t.report("j-00000", 1, { accuracy: 0.5 });
  t.exited("j-00000", { ok: true });
  assert.equal(t.trials()[0]?.phase, "Failed");
  assert.equal(t.trials()[0]?.reason, 'exited without reporting the objective metric "loss"');
});

test("without the objective, a trial read by a metrics collector fails with a reason that names the collector", async () => {
  const t = createTuner({ job: "j", spec: spec({ metricsCollector: { kind: "file", path: "/out/m.log", format: "keyvalue" } }) });
  await t.next();
  t.exited("j-00000", { ok: true });
  assert.equal(
    t.trials()[0]?.reason,
    'exited without reporting the objective metric "loss": the metrics collector read file /out/m.log (format keyvalue) and found no "loss"; check that the trial writes it in that format (collector_malformed_lines counts the lines it could not read)',
  );
});

test("reaching the goal ends the job at once", async () => {
  const t = createTuner({ job: "j", spec: spec({ objective: { metric: "loss", direction: "minimize", goal: 0.2 } }) });
  await t.next();
  finishTrial(t, "j-00000", 0.15);
  const end = endOf(await t.next());
  assert.ok(end?.type === "end");
  assert.equal(end.end.reason, "GoalReached");
  assert.deepEqual(end.stop, ["j-00001"]);
});

test("an exhausted grid ends the job once its last trial finishes", async () => {
  const t = createTuner({
    job: "g",
    spec: spec({ parameters: [{ name: "x", type: "int", min: 0, max: 2 }], search: { algorithm: "grid" }, budget: { maxTrials: 10, parallelTrials: 2, maxFailedTrials: 0 } }),
  });
  const names = [...launches(await t.next())];
  for (let i = 0; i < 5 && names.length < 3; i++) {
    finishTrial(t, names[names.length - 1] as string, 1);
    names.push(...launches(await t.next()));
  }
  assert.equal(names.length, 3);
  for (const tr of t.trials()) if (tr.phase === "Pending") finishTrial(t, tr.name, 1);
  const end = endOf(await t.next());
  assert.equal(end?.type === "end" && end.end.reason, "SearchSpaceExhausted");
  assert.deepEqual(t.trials().map((x) => x.params.x).sort(), [0, 1, 2]);
});

test("the stopping rule stops a bad trial; its later reports go into its curve, not its value, and it ends early-stopped", async () => {
  const t = createTuner({ job: "j", spec: spec({ earlyStopping: { algorithm: "median", settings: { minTrials: 1, startStep: 1 } }, budget: { maxTrials: 4, parallelTrials: 1, maxFailedTrials: 0 } }) });
  await t.next();
  finishTrial(t, "j-00000", 1);
  await t.next();
  t.started("j-00001");
  const actions = t.report("j-00001", 1, { loss: 50 });
  assert.equal(actions[0]?.type, "stop");
  assert.deepEqual(t.report("j-00001", 2, { loss: 0.001 }), [], "a stopping trial's tail decides nothing");
  t.exited("j-00001", { ok: true });
  const tr = t.trials()[1];
  assert.equal(tr?.phase, "EarlyStopped");
  assert.deepEqual(tr?.curve, [{ step: 1, value: 50 }, { step: 2, value: 0.001 }], "the tail its Pod reported is kept");
  assert.equal(tr?.value, 50, "judged as it was when stopped");
  assert.deepEqual(tr?.metrics, { loss: 50 });
  assert.match(tr?.reason ?? "", /^median: /);
});

test("a diverged trial (NaN objective) is stopped", async () => {
  const t = createTuner({ job: "j", spec: spec({ earlyStopping: { algorithm: "asha" } }) });
  await t.next();
  const actions = t.report("j-00000", 1, { loss: Number.NaN });
  assert.equal(actions[0]?.type, "stop");
});

test("a tuner rebuilt from its trials continues exactly like the original", async () => {
  const s = spec({ search: { algorithm: "bayesian", seed: 9 }, budget: { maxTrials: 12, parallelTrials: 2, maxFailedTrials: 3 } });
  const original = createTuner({ job: "j", spec: s });
  await original.next();
  finishTrial(original, "j-00000", 0.7);
  await original.next();
  original.exited("j-00001", { ok: false, reason: "boom" });
  await original.next();
  finishTrial(original, "j-00002", 0.3);
  const rebuilt = createTuner({ job: "j", spec: s, trials: structuredClone(original.trials()) });
  const launched = (actions: Action[]) => actions.flatMap((x) => (x.type === "launch" ? [[x.trial.name, x.trial.params] as const] : []));
  const a = launched(await original.next());
  const b = launched(await rebuilt.next());
  assert.deepEqual(a.map(([n]) => n), ["j-00004"]);
  assert.deepEqual(b, [["j-00003", original.trials()[3]?.params], ...a], "the unfinished trial runs again, then the same new suggestion");
  for (const t of [original, rebuilt]) {
    finishTrial(t, "j-00003", 0.2);
    finishTrial(t, "j-00004", 0.25);
  }
  assert.deepEqual(launched(await rebuilt.next()), launched(await original.next()));
});

test("a rebuilt tuner numbers new trials past the highest index, even when one is missing", async () => {
  const s = spec({ budget: { maxTrials: 6, parallelTrials: 3, maxFailedTrials: 1 } });
  const original = createTuner({ job: "j", spec: s });
  await original.next();
  for (const name of ["j-00000", "j-00001", "j-00002"]) finishTrial(original, name, 0.5);
  const withoutOne = structuredClone(original.trials()).filter((t) => t.name !== "j-00001");
  const rebuilt = createTuner({ job: "j", spec: s, trials: withoutOne });
  assert.deepEqual(launches(await rebuilt.next()), ["j-00003", "j-00004", "j-00005"]);
});

test("an interrupted job leaves its running trials unfinished so a resume runs them again", async () => {
  const t = createTuner({ job: "j", spec: spec() });
  await t.next();
  t.started("j-00000");
  const [end] = t.interrupt("Ctrl-C");
  assert.ok(end?.type === "end");
  assert.deepEqual(end.stop, ["j-00000", "j-00001"]);
  t.exited("j-00000", { ok: false, reason: "SIGTERM" });
  assert.equal(t.trials()[0]?.phase, "Running");
  const resumed = createTuner({ job: "j", spec: spec(), trials: t.trials() });
  assert.deepEqual(launches(await resumed.next()), ["j-00000", "j-00001"]);
});

test("trial names and launch counts", () => {
  assert.equal(trialName("job", 42), "job-00042");
  const s = spec();
  assert.equal(trialsToLaunch({ spec: s, trials: [], exhausted: false }), 2);
  assert.equal(trialsToLaunch({ spec: s, trials: [], exhausted: true }), 0);
  assert.equal(jobEnd({ spec: s, trials: [], exhausted: true })?.reason, "SearchSpaceExhausted");
});

test("a controller restart keeps running trials running, with their curves, and does not launch them again", async () => {
  const s = spec({ earlyStopping: { algorithm: "median", settings: { minTrials: 1, startStep: 1 } }, budget: { maxTrials: 6, parallelTrials: 2, maxFailedTrials: 0 } });
  const before = createTuner({ job: "j", spec: s });
  await before.next();
  finishTrial(before, "j-00000", 1);
  await before.next();
  before.started("j-00001");
  assert.deepEqual(before.report("j-00001", 1, { loss: 2.9 }), [], "2.9 is better than the median 3 at step 1");
  const after = createTuner({ job: "j", spec: s, trials: structuredClone(before.trials()), unfinished: "keep" });
  assert.deepEqual(after.trials().map((t) => t.phase), ["Succeeded", "Running", "Pending"]);
  assert.deepEqual(after.trials()[1]?.curve, [{ step: 1, value: 2.9 }]);
  assert.deepEqual(launches(await after.next()), [], "two trials are active already");
  const actions = after.report("j-00001", 2, { loss: 2.8 });
  assert.equal(actions[0]?.type, "stop", "best 2.8 is worse than the median 2.5 of running averages at step 2");
});

test("trial(name) finds one trial as trials() shows it, and nothing for an unknown name", async () => {
  const t = createTuner({ job: "j", spec: spec() });
  await t.next();
  t.started("j-00001");
  t.report("j-00001", 1, { loss: 0.7 });
  assert.deepEqual(t.trial("j-00001"), t.trials().find((v) => v.name === "j-00001"));
  assert.equal(t.trial("j-00001")?.phase, "Running");
  assert.equal(t.trial("j-00009"), undefined);
});

/** A median-rule job whose first trial finished with losses 3, 2, 1, and whose second runs. */
async function medianJobWithOneDone(settings: Record<string, unknown> = {}): Promise<{ t: Tuner; s: TuningJobSpec }> {
  const s = spec({ earlyStopping: { algorithm: "median", settings: { minTrials: 1, startStep: 1, compare: "runningAverage", ...settings } }, budget: { maxTrials: 6, parallelTrials: 2, maxFailedTrials: 0 } });
  const t = createTuner({ job: "j", spec: s });
  await t.next();
  finishTrial(t, "j-00000", 1);
  await t.next();
  t.started("j-00001");
  return { t, s };
}

test("a rebuilt tuner keeps a stop decided before the rebuild: later reports are recorded, never judged, and the trial ends EarlyStopped with the stored reason", async () => {
  const { t: before, s } = await medianJobWithOneDone();
  const [stop] = before.report("j-00001", 1, { loss: 50 });
  assert.ok(stop?.type === "stop");
  const after = createTuner({ job: "j", spec: s, trials: structuredClone(before.trials()), unfinished: "keep", stops: { "j-00001": stop.reason } });
  assert.deepEqual(launches(await after.next()), [], "the stopping trial is still active until it exits");
  assert.deepEqual(after.report("j-00001", 2, { loss: 0.5 }), []);
  after.exited("j-00001", { ok: true });
  const tr = after.trial("j-00001");
  assert.equal(tr?.phase, "EarlyStopped");
  assert.equal(tr?.reason, stop.reason);
  assert.deepEqual(tr?.curve.map((p) => p.step), [1, 2]);
  assert.equal(tr?.value, 50);
});

test("replayed reports are recorded and never judged; deferred ones are judged with the trial's next live report", async () => {
  // Checks at steps 1, 3, 5: a report at 4 is judged only if the check at 3 has not been.
  const { t } = await medianJobWithOneDone({ interval: 2 });
  assert.deepEqual(t.report("j-00001", 1, { loss: 50 }, "replayed"), [], "judged before (it would be stopped now)");
  assert.deepEqual(t.report("j-00001", 3, { loss: 40 }, "deferred"), []);
  const [stop] = t.report("j-00001", 4, { loss: 30 });
  assert.ok(stop?.type === "stop", "the check at step 3 is made now");
  assert.match(stop.reason, /^median: best loss 30 by step 4 is above the median 2 /);
  assert.deepEqual(t.trial("j-00001")?.curve.map((p) => p.step), [1, 3, 4]);
  const { t: fresh } = await medianJobWithOneDone({ interval: 2 });
  assert.equal(fresh.report("j-00001", 1, { loss: 50 })[0]?.type, "stop", "the same report, live, is judged");
  fresh.report("j-00001", 3, { loss: 40 }, "replayed");
  assert.deepEqual(fresh.report("j-00001", 4, { loss: 30 }), [], "a stopped trial's tail decides nothing");
});

test("reports in any step order (backwards, repeated, non-finite) give the same curve and value as the sorted curve does", async () => {
  let seed = 11;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  for (const strategy of ["best", "last"] as const) {
    for (const direction of ["minimize", "maximize"] as const) {
      for (let round = 0; round < 40; round++) {
        const objective = { metric: "loss", direction, strategy };
        const t = createTuner({ job: "j", spec: spec({ objective, budget: { maxTrials: 1, parallelTrials: 1 } }) });
        await t.next();
        t.started("j-00000");
        const expected = new Map<number, number>();
        for (let i = 0; i < 60; i++) {
          const step = round % 2 === 0 ? 60 - i : next(25);
          const value = next(10) === 0 ? Number.NaN : next(1000) / 10;
          t.report("j-00000", step, { loss: value });
          expected.set(step, value);
          const sorted = [...expected].sort(([a], [b]) => a - b).map(([s, v]) => ({ step: s, value: v }));
          const v = t.trial("j-00000");
          assert.deepEqual(v?.curve, sorted);
          assert.equal(v?.value, objectiveValue(sorted, objective), `${strategy}/${direction} round ${round} after ${i + 1} reports`);
        }
      }
    }
  }
});
