import { test } from "node:test";
import assert from "node:assert/strict";
import { TuningJobSpec } from "../api/tuningjob.ts";
import { MAX_WARM_OBSERVATIONS, type WarmObservation } from "../api/warm-start.ts";
import { createOptimizer } from "./search/index.ts";
import { createTuner, type Action, type Tuner } from "./tuner.ts";
import { paramsProblem, selectWarm, warmHistory, type WarmSource } from "./warm-start.ts";

function spec(overrides: Record<string, unknown> = {}): TuningJobSpec {
  return TuningJobSpec.parse({
    objective: { metric: "loss", direction: "minimize" },
    parameters: [
      { name: "x", type: "double", min: 0, max: 1 },
      { name: "n", type: "int", min: 1, max: 8 },
      { name: "opt", type: "categorical", values: ["adam", "sgd"] },
    ],
    search: { algorithm: "tpe", seed: 5, settings: { startupTrials: 4 } },
    budget: { maxTrials: 3, parallelTrials: 1, maxFailedTrials: 1 },
    trialTemplate: { spec: { containers: [{ name: "t", image: "i", command: ["run"] }] } },
    ...overrides,
  });
}

const launched = (actions: Action[]) => actions.flatMap((a) => (a.type === "launch" ? [a.trial] : []));

/** Finishes a trial with a single report of `value`. */
function finish(t: Tuner, name: string, value: number): void {
  t.started(name);
  t.report(name, 1, { loss: value });
  t.exited(name, { ok: true });
}

/** A deterministic objective of the parameters, so runs compare exactly. */
const lossOf = (p: Record<string, unknown>): number => ((p.x as number) - 0.3) ** 2 + ((p.n as number) - 5) ** 2 / 50 + (p.opt === "sgd" ? 0.05 : 0);

const warm: WarmObservation[] = [
  { trial: "old-00000", params: { x: 0.31, n: 5, opt: "adam" }, value: 0.0001 },
  { trial: "old-00001", params: { x: 0.9, n: 1, opt: "sgd" }, value: 0.7 },
  { trial: "old-00002", params: { x: 0.1, n: 8, opt: "adam" }, value: 0.22 },
  { trial: "old-00003", params: { x: 0.5, n: 3, opt: "sgd" }, value: 0.17 },
  { trial: "old-00004", params: { x: 0.02, n: 2, opt: "adam" }, value: 0.25 },
];

test("paramsProblem names the parameter and what is wrong with its value", () => {
  const { parameters } = spec();
  assert.equal(paramsProblem(parameters, { x: 0.5, n: 2, opt: "adam" }), null);
  assert.equal(paramsProblem(parameters, { x: 0.5, n: 2, opt: "adam", lr: 1 }), 'parameter "lr" is not declared in this job');
  assert.equal(paramsProblem(parameters, { x: 0.5, opt: "adam" }), 'parameter "n" is missing');
  assert.equal(paramsProblem(parameters, { x: 1.5, n: 2, opt: "adam" }), 'parameter "x" = 1.5 is above its max 1');
  assert.equal(paramsProblem(parameters, { x: -0.1, n: 2, opt: "adam" }), 'parameter "x" = -0.1 is below its min 0');
  assert.equal(paramsProblem(parameters, { x: 0.5, n: 2.5, opt: "adam" }), 'parameter "n" = 2.5 is not an integer');
  assert.equal(paramsProblem(parameters, { x: "0.5", n: 2, opt: "adam" }), 'parameter "x" = "0.5" is not a finite number');
  assert.equal(paramsProblem(parameters, { x: 0.5, n: 2, opt: "rmsprop" }), 'parameter "opt" = "rmsprop" is not one of its values ["adam","sgd"]');
  assert.equal(paramsProblem([{ name: "u", type: "discrete", values: [1, 2, 4] }], { u: 3 }), 'parameter "u" = 3 is not one of its values [1,2,4]');
});

test("selectWarm keeps finished trials with a value that fit, in finishing order, and counts the rest with the first reason", () => {
  const source: WarmSource = {
    job: "old",
    metric: "loss",
    trials: [
      { name: "old-00000", index: 0, params: { x: 0.2, n: 2, opt: "adam" }, phase: "Succeeded", value: 0.4, finishedOrder: 2 },
      { name: "old-00001", index: 1, params: { x: 0.3, n: 9, opt: "adam" }, phase: "Succeeded", value: 0.3, finishedOrder: 0 },
      { name: "old-00002", index: 2, params: { x: 0.4, n: 3, opt: "sgd" }, phase: "EarlyStopped", value: 0.9, finishedOrder: 1 },
      { name: "old-00003", index: 3, params: { x: 0.5, n: 3, opt: "sgd" }, phase: "Failed", finishedOrder: 3 },
      { name: "old-00004", index: 4, params: { x: 0.6, n: 3, opt: "sgd" }, phase: "Running", value: 0.1 },
      { name: "old-00005", index: 5, params: { x: 0.7, n: 3 }, phase: "Succeeded", value: 0.2, finishedOrder: 4 },
    ],
  };
  const other: WarmSource = { job: "acc", metric: "accuracy", trials: [{ name: "acc-00000", index: 0, params: { x: 0.2, n: 2, opt: "adam" }, phase: "Succeeded", value: 0.9 }] };
  const s = selectWarm(spec(), [source, other]);
  assert.deepEqual(s.observations.map((o) => [o.trial, o.value]), [["old-00002", 0.9], ["old-00000", 0.4]]);
  assert.equal(s.skipped, 3, "n out of range, opt missing, another metric; the failed and the running trial are not counted");
  assert.equal(s.skippedReason, 'old-00001: parameter "n" = 9 is above its max 8');
  assert.deepEqual(selectWarm(spec(), [other]), { observations: [], skipped: 1, skippedReason: 'job "acc" optimized "accuracy", not "loss"' });
});

test("selectWarm keeps at most MAX_WARM_OBSERVATIONS and counts the rest as skipped", () => {
  const trials = Array.from({ length: MAX_WARM_OBSERVATIONS + 7 }, (_, i) => ({ name: `old-${i}`, index: i, params: { x: 0.5, n: 1 + (i % 8), opt: "adam" }, phase: "Succeeded" as const, value: i }));
  const s = selectWarm(spec(), [{ job: "old", metric: "loss", trials }]);
  assert.equal(s.observations.length, MAX_WARM_OBSERVATIONS);
  assert.equal(s.skipped, 7);
  assert.match(s.skippedReason ?? "", /more than 1000 warm observations/);
});

test("a warm-started tuner's first suggestions are those of an optimizer told the warm observations, not a cold start's", async () => {
  const s = spec({ budget: { maxTrials: 3, parallelTrials: 2, maxFailedTrials: 1 } });
  const warmed = launched(await createTuner({ job: "j", spec: s, warm }).next()).map((t) => t.params);
  const opt = createOptimizer({ parameters: s.parameters, objective: s.objective, algorithm: { name: "tpe", settings: s.search.settings }, seed: 5 }, warmHistory(warm), { suggestionsMade: warm.length });
  assert.deepEqual(warmed, (await opt.ask(2)).map((x) => x.params));
  const cold = launched(await createTuner({ job: "j", spec: s }).next()).map((t) => t.params);
  assert.notDeepEqual(warmed, cold);
});

test("warm observations are not the job's trials and do not count towards maxTrials", async () => {
  const t = createTuner({ job: "j", spec: spec(), warm });
  for (let i = 0; i < 3; i++) {
    const [trial] = launched(await t.next());
    assert.equal(trial?.name, `j-0000${i}`);
    finish(t, trial?.name ?? "", lossOf(trial?.params ?? {}));
  }
  const end = (await t.next()).find((a) => a.type === "end");
  assert.equal(end?.type === "end" && end.end.reason, "MaxTrialsReached");
  assert.deepEqual(t.trials().map((v) => v.name), ["j-00000", "j-00001", "j-00002"]);
  assert.ok(t.best()?.name.startsWith("j-"), "the job's best is one of its own trials");
});

test("a warm-started tuner rebuilt from its trials continues exactly as the one that ran on", async () => {
  const s = spec({ budget: { maxTrials: 6, parallelTrials: 1, maxFailedTrials: 1 } });
  const original = createTuner({ job: "j", spec: s, warm });
  for (let i = 0; i < 3; i++) {
    const [trial] = launched(await original.next());
    finish(original, trial?.name ?? "", lossOf(trial?.params ?? {}));
  }
  const rebuilt = createTuner({ job: "j", spec: s, warm, trials: original.trials(), unfinished: "keep" });
  for (let i = 3; i < 6; i++) {
    const [a] = launched(await original.next());
    const [b] = launched(await rebuilt.next());
    assert.deepEqual(b, a);
    finish(original, a?.name ?? "", lossOf(a?.params ?? {}));
    finish(rebuilt, b?.name ?? "", lossOf(b?.params ?? {}));
  }
});

test("raising maxTrials of a finished job continues the numbering and the search exactly as if the budget had been larger", async () => {
  const small = createTuner({ job: "j", spec: spec({ budget: { maxTrials: 3, parallelTrials: 1, maxFailedTrials: 1 } }) });
  const large = createTuner({ job: "j", spec: spec({ budget: { maxTrials: 6, parallelTrials: 1, maxFailedTrials: 1 } }) });
  for (const t of [small, large]) {
    for (let i = 0; i < 3; i++) {
      const [trial] = launched(await t.next());
      finish(t, trial?.name ?? "", lossOf(trial?.params ?? {}));
    }
  }
  const end = (await small.next()).find((a) => a.type === "end");
  assert.equal(end?.type === "end" && end.end.reason, "MaxTrialsReached");
  const extended = createTuner({ job: "j", spec: spec({ budget: { maxTrials: 6, parallelTrials: 1, maxFailedTrials: 1 } }), trials: small.trials(), unfinished: "keep" });
  for (let i = 3; i < 6; i++) {
    const [a] = launched(await large.next());
    const [b] = launched(await extended.next());
    assert.equal(b?.name, `j-0000${i}`);
    assert.deepEqual(b?.params, a?.params);
    finish(large, a?.name ?? "", lossOf(a?.params ?? {}));
    finish(extended, b?.name ?? "", lossOf(b?.params ?? {}));
  }
  const again = (await extended.next()).find((a) => a.type === "end");
  assert.equal(again?.type === "end" && again.end.message.startsWith("all 6 trials finished"), true);
});

test("with conditional parameters a trial needs its active parameters only; inactive ones it carries are dropped", () => {
  const s = spec({
    parameters: [
      { name: "opt", type: "categorical", values: ["adam", "sgd"] },
      { name: "momentum", type: "double", min: 0, max: 0.99, when: { parameter: "opt", in: ["sgd"] } },
    ],
  });
  assert.equal(paramsProblem(s.parameters, { opt: "adam" }), null);
  assert.equal(paramsProblem(s.parameters, { opt: "sgd" }), 'parameter "momentum" is missing (it is active when opt is one of ["sgd"])');
  assert.equal(paramsProblem(s.parameters, { opt: "sgd", momentum: 1.5 }), 'parameter "momentum" = 1.5 is above its max 0.99');
  const sel = selectWarm(s, [{ job: "old", metric: "loss", trials: [{ name: "old-00000", index: 0, params: { opt: "adam", momentum: 0.5 }, phase: "Succeeded", value: 1 }] }]);
  assert.deepEqual(sel.observations, [{ trial: "old-00000", params: { opt: "adam" }, value: 1 }]);
});
