import { test } from "node:test";
import assert from "node:assert/strict";
import { TuningJobSpec } from "../api/tuningjob.ts";
import { createTuner, type Action, type Tuner } from "./tuner.ts";
import type { TrialView } from "./job.ts";

function spec(overrides: Record<string, unknown> = {}): TuningJobSpec {
  return TuningJobSpec.parse({
    objectives: [
      { metric: "loss", direction: "minimize" },
      { metric: "acc", direction: "maximize" },
    ],
    constraints: [{ metric: "mem", max: 20 }],
    parameters: [{ name: "x", type: "double", min: 0, max: 1 }],
    search: { algorithm: "random", seed: 3 },
    budget: { maxTrials: 4, parallelTrials: 4, maxFailedTrials: 2 },
    trialTemplate: { spec: { containers: [{ name: "t", image: "i", command: ["run"] }] } },
    ...overrides,
  });
}

const launches = (actions: Action[]) => actions.flatMap((a) => (a.type === "launch" ? [a.trial.name] : []));

/** Reports one step per entry of `steps` and exits 0. */
function run(t: Tuner, name: string, steps: Record<string, number>[]): void {
  t.started(name);
  steps.forEach((m, i) => t.report(name, i + 1, m));
  t.exited(name, { ok: true });
}

test("a multi-objective trial's values are read from the report where its judged objective was best", async () => {
  const t = createTuner({ job: "j", spec: spec() });
  const [a] = launches(await t.next());
  run(t, a as string, [
    { loss: 3, acc: 0.5, mem: 10 },
    { loss: 1, acc: 0.8, mem: 12 },
    { loss: 2, acc: 0.9, mem: 30 },
  ]);
  const v = t.trial(a as string) as TrialView;
  assert.equal(v.phase, "Succeeded");
  assert.equal(v.value, 1);
  assert.deepEqual(v.values, [1, 0.8], "acc at the step of the best loss, not the last acc");
  assert.deepEqual(v.valueMetrics, { loss: 1, acc: 0.8, mem: 12 });
  assert.equal(v.feasible, true, "mem 12 at the best step, though 30 was reported later");
});

test("a metric the value's report lacks is taken from its latest report (a size reported once at the end)", async () => {
  const t = createTuner({ job: "j", spec: spec() });
  const [a] = launches(await t.next());
  run(t, a as string, [{ loss: 1, acc: 0.7 }, { loss: 2, acc: 0.9 }, { mem: 25 }]);
  const v = t.trial(a as string) as TrialView;
  assert.deepEqual(v.values, [1, 0.7]);
  assert.equal(v.feasible, false);
  assert.equal(v.infeasibleReason, "mem = 25 is above max 20");
});

test("violated, missing and met constraints; the front holds only feasible non-dominated trials; no best trial", async () => {
  const t = createTuner({ job: "j", spec: spec() });
  const [a, b, c, d] = launches(await t.next()) as [string, string, string, string];
  run(t, a, [{ loss: 0.1, acc: 0.99, mem: 50 }]); // dominates everything, but infeasible
  run(t, b, [{ loss: 0.2, acc: 0.9 }]); // never reports mem
  run(t, c, [{ loss: 0.3, acc: 0.95, mem: 5 }]);
  run(t, d, [{ loss: 0.4, acc: 0.9, mem: 5 }]); // dominated by c
  assert.deepEqual([a, b, c, d].map((n) => t.trial(n)?.feasible), [false, false, true, true]);
  assert.equal(t.trial(b)?.infeasibleReason, "mem was not reported");
  assert.deepEqual(t.front(), { size: 1, members: [{ name: c, index: 2, params: t.trial(c)?.params, values: [0.3, 0.95] }] });
  assert.equal(t.best(), undefined, "a multi-objective job has a front, not a best trial");
  const end = (await t.next()).find((x) => x.type === "end");
  assert.equal(end?.type === "end" && end.end.message, "all 4 trials finished; 1 trials on the Pareto front");
});

test("a trial that exits without one of the objectives fails and says which", async () => {
  const t = createTuner({ job: "j", spec: spec() });
  const [a] = launches(await t.next());
  run(t, a as string, [{ loss: 0.5, mem: 1 }]);
  assert.equal(t.trial(a as string)?.phase, "Failed");
  assert.equal(t.trial(a as string)?.reason, 'exited without reporting the objective metric "acc"');
});

test("with one objective and constraints, the best trial is the best feasible one", async () => {
  const t = createTuner({ job: "j", spec: spec({ objectives: undefined, objective: { metric: "loss", direction: "minimize" } }) });
  const [a, b] = launches(await t.next()) as [string, string];
  run(t, a, [{ loss: 0.1, mem: 21 }]);
  run(t, b, [{ loss: 0.5, mem: 20 }]);
  assert.equal(t.best()?.name, b, "the bound is inclusive; the better trial broke it");
  assert.deepEqual(t.front(), { size: 0, members: [] });
  assert.equal(t.trial(a)?.values, undefined, "values are for multi-objective jobs");
});

test("early stopping and the curve follow earlyStopping.settings.metric; the values keep the objectives' order", async () => {
  const s = spec({ earlyStopping: { algorithm: "median", settings: { metric: "acc" } } });
  const t = createTuner({ job: "j", spec: s });
  const [a] = launches(await t.next());
  run(t, a as string, [
    { loss: 1, acc: 0.5, mem: 1 },
    { loss: 3, acc: 0.9, mem: 1 },
  ]);
  const v = t.trial(a as string) as TrialView;
  assert.deepEqual(v.curve.map((p) => p.value), [0.5, 0.9], "the judged metric's curve");
  assert.equal(v.value, 0.9);
  assert.deepEqual(v.values, [3, 0.9], "read at acc's best step");
});

test("a tuner rebuilt from its trials continues with the same suggestions (values and constraint metrics told again)", async () => {
  const s = spec({ search: { algorithm: "tpe", seed: 5, settings: { startupTrials: 3 } }, budget: { maxTrials: 12, parallelTrials: 2, maxFailedTrials: 2 } });
  const live = createTuner({ job: "j", spec: s });
  const f = (x: number) => ({ loss: (x - 0.3) ** 2, acc: 1 - (x - 0.7) ** 2, mem: 40 * x });
  for (let round = 0; round < 4; round++) {
    for (const name of launches(await live.next())) run(live, name, [f(Number(live.trial(name)?.params.x))]);
  }
  const stored = live.trials().map((v) => structuredClone(v));
  assert.ok(stored.some((v) => v.feasible === false) && stored.some((v) => v.feasible === true), "both kinds are told");
  const rebuilt = createTuner({ job: "j", spec: s, trials: stored, unfinished: "keep" });
  const next = (await live.next()).flatMap((a) => (a.type === "launch" ? [a.trial.params] : []));
  assert.equal(next.length, 2);
  assert.deepEqual((await rebuilt.next()).flatMap((a) => (a.type === "launch" ? [a.trial.params] : [])), next);
  assert.deepEqual(rebuilt.front(), live.front());
});
