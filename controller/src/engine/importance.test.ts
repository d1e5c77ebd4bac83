import { test } from "node:test";
import assert from "node:assert/strict";
import { Parameter } from "../api/parameters.ts";
import { createRng } from "./search/rng.ts";
import { importanceReport, parameterImportance, MIN_IMPORTANCE_TRIALS, type ImportanceTrial } from "./importance.ts";

const params = (list: unknown[]) => list.map((p) => Parameter.parse(p));
const x123 = params([
  { name: "x1", type: "double", min: 0, max: 1 },
  { name: "x2", type: "double", min: 0, max: 1 },
  { name: "x3", type: "double", min: 0, max: 1 },
]);

/** `n` uniform random trials of `f` over x1..x3 ∈ [0, 1]. */
function sample(n: number, seed: number, f: (x: number[]) => number): ImportanceTrial[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const x = [rng.next(), rng.next(), rng.next()];
    return { params: { x1: x[0] ?? 0, x2: x[1] ?? 0, x3: x[2] ?? 0 }, value: f(x), outcome: "succeeded" };
  });
}
const byName = (list: { parameter: string; importance: number }[]) => Object.fromEntries(list.map((i) => [i.parameter, i.importance]));

test("f = 10·x1 + 0.1·x2 + 0·x3: x1 dominates, x3 is near 0, and the shares sum to 1 in descending order", () => {
  for (const seed of [1, 2, 3]) {
    const imp = parameterImportance(x123, sample(200, seed, (x) => 10 * (x[0] ?? 0) + 0.1 * (x[1] ?? 0)), "minimize");
    const m = byName(imp);
    assert.equal(imp[0]?.parameter, "x1", `seed ${seed}`);
    assert.ok((m.x1 ?? 0) > 0.8, `seed ${seed}: x1 ${m.x1}`);
    assert.ok((m.x3 ?? 1) < 0.1, `seed ${seed}: x3 ${m.x3}`);
    assert.ok(Math.abs(imp.reduce((s, i) => s + i.importance, 0) - 1) < 1e-12);
    assert.deepEqual([...imp].sort((a, b) => b.importance - a.importance), imp);
  }
});

test("the direction decides which trials are the best: maximizing −f gives the same importances as minimizing f", () => {
  const trials = sample(120, 5, (x) => (x[1] ?? 0) ** 2);
  const neg = trials.map((t) => ({ ...t, value: -(t.value ?? 0) }));
  assert.deepEqual(parameterImportance(x123, neg, "maximize"), parameterImportance(x123, trials, "minimize"));
  // Maximizing f itself looks at the other end of x2, which matters just as much.
  assert.equal(parameterImportance(x123, trials, "maximize")[0]?.parameter, "x2");
});

test("two equally weighted parameters share the importance; the idle one gets little", () => {
  const m = byName(parameterImportance(x123, sample(300, 7, (x) => (x[0] ?? 0) + (x[2] ?? 0)), "minimize"));
  assert.ok(Math.abs((m.x1 ?? 0) - (m.x3 ?? 0)) < 0.25, JSON.stringify(m));
  assert.ok((m.x2 ?? 1) < 0.1, JSON.stringify(m));
});

test("a categorical parameter that decides the objective dominates a numeric one that does not", () => {
  const space = params([
    { name: "optimizer", type: "categorical", values: ["sgd", "adam", "rmsprop"] },
    { name: "dropout", type: "double", min: 0, max: 0.5 },
  ]);
  const rng = createRng(11);
  const trials = Array.from({ length: 90 }, (_, i) => {
    const optimizer = ["sgd", "adam", "rmsprop"][i % 3] ?? "sgd";
    return { params: { optimizer, dropout: 0.5 * rng.next() }, value: (optimizer === "adam" ? 0.1 : 0.5) + 0.01 * rng.next() };
  });
  const m = byName(parameterImportance(space, trials, "minimize"));
  assert.ok((m.optimizer ?? 0) > 0.8, JSON.stringify(m));
});

test("log-scaled parameters are compared on the log scale: the same as a linear parameter holding the exponent", () => {
  const rng = createRng(3);
  const exps = Array.from({ length: 150 }, () => [-5 + 5 * rng.next(), -6 + 4 * rng.next()] as const);
  const value = (e: readonly [number, number]) => (e[0] + 3) ** 2 + 0.3 * (e[1] + 4) ** 2;
  const logSpace = params([
    { name: "lr", type: "double", min: 1e-5, max: 1, scale: "log" },
    { name: "wd", type: "double", min: 1e-6, max: 1e-2, scale: "log" },
  ]);
  const expSpace = params([
    { name: "lr", type: "double", min: -5, max: 0 },
    { name: "wd", type: "double", min: -6, max: -2 },
  ]);
  const logged = parameterImportance(logSpace, exps.map((e) => ({ params: { lr: 10 ** e[0], wd: 10 ** e[1] }, value: value(e) })), "minimize");
  const linear = parameterImportance(expSpace, exps.map((e) => ({ params: { lr: e[0], wd: e[1] }, value: value(e) })), "minimize");
  assert.deepEqual(logged.map((i) => i.parameter), ["lr", "wd"]);
  logged.forEach((i, k) => assert.ok(Math.abs(i.importance - (linear[k]?.importance ?? 0)) < 1e-9, `${i.parameter}: ${i.importance} vs ${linear[k]?.importance}`));
});

test("discrete parameters: few values are counted as categories, many as ordered numbers", () => {
  const space = params([
    { name: "layers", type: "discrete", values: [1, 2, 3, 4] },
    { name: "units", type: "discrete", values: Array.from({ length: 20 }, (_, i) => 16 * (i + 1)) },
    { name: "noise", type: "int", min: 0, max: 100 },
  ]);
  const rng = createRng(9);
  const trials = Array.from({ length: 160 }, (_, i) => {
    const layers = (i % 4) + 1;
    const units = 16 * (rng.int(20) + 1);
    return { params: { layers, units, noise: rng.int(101) }, value: Math.abs(layers - 3) + Math.abs(units - 160) / 320 };
  });
  const m = byName(parameterImportance(space, trials, "minimize"));
  assert.ok((m.layers ?? 0) > (m.units ?? 0) && (m.units ?? 0) > (m.noise ?? 1), JSON.stringify(m));
});

test("succeeded and early-stopped trials count; failed and unfinished ones, and values that are not numbers, do not", () => {
  const good = sample(40, 2, (x) => x[0] ?? 0);
  const noise: ImportanceTrial[] = [
    ...Array.from({ length: 30 }, (_, i) => ({ params: { x1: 0.9, x2: 0.01 * i, x3: 0.5 }, value: -1000, outcome: "failed" })),
    ...Array.from({ length: 30 }, (_, i) => ({ params: { x1: 0.9, x2: 0.01 * i, x3: 0.5 }, value: -1000, outcome: null })),
    { params: { x1: 0.5, x2: 0.5, x3: 0.5 }, value: null, outcome: "succeeded" },
    { params: { x1: 0.5, x2: 0.5, x3: 0.5 }, value: Number.NaN },
  ];
  assert.deepEqual(parameterImportance(x123, [...good, ...noise], "minimize"), parameterImportance(x123, good, "minimize"));
  // Early-stopped trials with the best values pull the top towards their x2: it gains importance.
  const rng = createRng(21);
  const stopped = Array.from({ length: 10 }, (_, i) => ({ params: { x1: rng.next(), x2: 0.95 + 0.005 * i, x3: rng.next() }, value: -1, outcome: "earlyStopped" }));
  const m = byName(parameterImportance(x123, [...good, ...stopped], "minimize"));
  assert.ok((m.x2 ?? 0) > 0.5, JSON.stringify(m));
  assert.equal(importanceReport(x123, [...good.slice(0, 5), ...stopped.slice(0, 5)], "minimize").ok, true, "5 succeeded + 5 early-stopped are 10 finished trials");
});

test("too few finished trials, or an objective that never varies: empty, with the reason", () => {
  const few = sample(MIN_IMPORTANCE_TRIALS - 1, 1, (x) => x[0] ?? 0);
  const r = importanceReport(x123, few, "minimize");
  assert.deepEqual(r, { ok: false, reason: "TooFewTrials", detail: `parameter importance needs at least ${MIN_IMPORTANCE_TRIALS} finished trials, this job has ${MIN_IMPORTANCE_TRIALS - 1}` });
  assert.deepEqual(parameterImportance(x123, few, "minimize"), []);
  const flat = importanceReport(x123, sample(30, 1, () => 0.5), "minimize");
  assert.equal(flat.ok ? "ok" : flat.reason, "FlatObjective");
});

test("a conditional parameter is judged on the trials that set it; values it cannot take are skipped", () => {
  const space = params([
    { name: "opt", type: "categorical", values: ["sgd", "adam"] },
    { name: "momentum", type: "double", min: 0, max: 1 },
  ]);
  const rng = createRng(4);
  const trials: ImportanceTrial[] = Array.from({ length: 80 }, (_, i) => {
    const momentum = rng.next();
    const t: ImportanceTrial = i % 2 === 0 ? { params: { opt: "sgd", momentum }, value: momentum } : { params: { opt: "adam" }, value: 0.5 + 0.1 * rng.next() };
    return t;
  });
  trials.push({ params: { opt: "nadam", momentum: 7 }, value: 0 });
  const imp = importanceReport(space, trials, "minimize");
  assert.ok(imp.ok && imp.importances.every((i) => Number.isFinite(i.importance)));
  assert.equal(imp.ok ? imp.trials : 0, 81);
});

test("deterministic: the same trials give the same importances, whatever the order of equal values", () => {
  const trials = sample(60, 8, (x) => Math.round(4 * (x[0] ?? 0)));
  assert.deepEqual(parameterImportance(x123, trials, "minimize"), parameterImportance(x123, structuredClone(trials), "minimize"));
});
