import { test } from "node:test";
import assert from "node:assert/strict";
import type { Parameter, Params } from "../../api/parameters.ts";
import { createOptimizer, type HistoryEntry, type Optimizer, type OptimizerConfig } from "./optimizer.ts";
import { ALGORITHM_NAMES, type AlgorithmName } from "./types.ts";

const parameters: Parameter[] = [
  { name: "x", type: "double", min: 0, max: 1, scale: "linear" },
  { name: "y", type: "double", min: -2, max: 2, step: 0.25, scale: "linear" },
  { name: "k", type: "categorical", values: ["a", "b"] },
];
const objectives = [
  { metric: "err", direction: "minimize" },
  { metric: "acc", direction: "maximize" },
] as const;
const constraints = [{ metric: "mem", max: 1.5 }];

/** Grid search needs a step on every continuous parameter. */
const gridParameters: Parameter[] = [{ name: "x", type: "double", min: 0, max: 1, step: 0.05, scale: "linear" }, ...parameters.slice(1)];

const config = (name: AlgorithmName, extra: Partial<OptimizerConfig> = {}): OptimizerConfig => ({
  parameters: name === "grid" ? gridParameters : parameters,
  objectives: [...objectives],
  constraints,
  algorithm: { name, settings: name === "grid" ? { order: "shuffled" } : {} },
  seed: 7,
  ...extra,
});

/** A small 2-objective problem (err to minimize, acc to maximize) with a memory metric. */
function evaluate(p: Params): { values: number[]; metrics: Record<string, number> } {
  const x = Number(p.x);
  const y = Number(p.y);
  return { values: [x + 0.1 * y * y, 1 - (1 - x) ** 2 + (p.k === "a" ? 0 : -0.1)], metrics: { mem: x + Math.abs(y) } };
}

async function run(opt: Optimizer, steps: number): Promise<Params[]> {
  const seen: Params[] = [];
  for (let i = 0; i < steps; i++) {
    for (const s of await opt.ask(2)) {
      seen.push(s.params);
      opt.tell({ id: s.id, ...evaluate(s.params) });
    }
  }
  return seen;
}

for (const name of ALGORITHM_NAMES) {
  test(`${name}: multi-objective constrained jobs get in-bounds suggestions, identical under a seed`, async () => {
    const a = await run(createOptimizer(config(name)), 10);
    const b = await run(createOptimizer(config(name)), 10);
    assert.equal(a.length, 20);
    assert.deepEqual(a, b);
    for (const p of a) {
      assert.ok(Number(p.x) >= 0 && Number(p.x) <= 1, `x in bounds: ${p.x}`);
      assert.ok(Number(p.y) >= -2 && Number(p.y) <= 2 && Number.isInteger(Number(p.y) / 0.25), `y on its grid: ${p.y}`);
      assert.ok(p.k === "a" || p.k === "b");
    }
  });
}

test("history round trip: a rebuilt multi-objective optimizer continues identically", async () => {
  for (const name of ["tpe", "random", "bayesian"] as const) {
    const opt = createOptimizer(config(name));
    await run(opt, 6);
    const [open] = await opt.ask(1);
    assert.ok(open);
    const history = opt.history();
    assert.ok(history.some((h) => h.values !== undefined && h.metrics?.mem !== undefined), "history carries values and metrics");
    const copy = createOptimizer(config(name), JSON.parse(JSON.stringify(history)) as HistoryEntry[]);
    assert.deepEqual(copy.history(), history);
    assert.deepEqual(copy.paretoFront(), opt.paretoFront());
    opt.tell({ id: open.id, ...evaluate(open.params) });
    copy.tell({ id: open.id, ...evaluate(open.params) });
    assert.deepEqual(await copy.ask(3), await opt.ask(3), `${name} continues identically`);
  }
});

test("paretoFront: feasible, non-dominated, values in the users' directions, in told order", async () => {
  const opt = createOptimizer(config("random"));
  const ids = (await opt.ask(6)).map((s) => s.id);
  const tell = (i: number, err: number, acc: number, mem?: number) => opt.tell({ id: ids[i]!, values: [err, acc], metrics: mem === undefined ? {} : { mem } });
  tell(0, 0.1, 0.5, 1); // on the front
  tell(1, 0.2, 0.9, 1); // on the front: worse err, better acc
  tell(2, 0.3, 0.4, 1); // dominated by 0
  tell(3, 0.0, 0.99, 2); // would dominate everything but violates mem <= 1.5
  tell(4, 0.05, 0.95); // mem missing: infeasible
  tell(5, 0.15, 0.8, 1.5); // on the front (bound is inclusive)
  assert.deepEqual(opt.paretoFront().map((m) => [m.id, ...m.values]), [[ids[0], 0.1, 0.5], [ids[1], 0.2, 0.9], [ids[5], 0.15, 0.8]]);
  assert.equal(opt.best(), null, "best() is for single-objective jobs");
  const two = opt.paretoFront(2);
  assert.deepEqual(two.map((m) => m.id), [ids[0], ids[1]], "a limit keeps the extremes (largest crowding distance)");
  assert.throws(() => opt.paretoFront(0), /limit must be a positive integer/);
});

test("single objective with constraints: best() and the one-element front skip infeasible trials", async () => {
  const opt = createOptimizer({ parameters, objective: { metric: "acc", direction: "maximize" }, constraints, algorithm: { name: "random" }, seed: 1 });
  const [a, b, c] = await opt.ask(3);
  opt.tell({ id: a!.id, value: 0.9, metrics: { mem: 3 } });
  opt.tell({ id: b!.id, value: 0.7, metrics: { mem: 1 } });
  opt.tell({ id: c!.id, value: 0.95 });
  assert.equal(opt.best()?.id, b!.id);
  assert.deepEqual(opt.paretoFront(), [{ id: b!.id, params: b!.params, values: [0.7] }]);
});

test("tell refuses results that do not fit the job, naming the field", async () => {
  const opt = createOptimizer(config("random"));
  const [s] = await opt.ask(1);
  const id = s!.id;
  assert.throws(() => opt.tell({ id, values: [1] }), /tell: values: has 1 numbers, the job has 2 objectives/);
  assert.throws(() => opt.tell({ id, values: [1, 2, 3] }), /has 3 numbers, the job has 2 objectives/);
  assert.throws(() => opt.tell({ id, values: [1, Number.NaN] }), /tell: values\.1: must be a finite number \(tell a diverged trial as \{ id, failed: true \}\)/);
  assert.throws(() => opt.tell({ id, values: [1, Infinity] }), /values\.1: must be a finite number/);
  assert.throws(() => opt.tell({ id, value: 1 }), /tell: value: this job has 2 objectives; give values/);
  assert.throws(() => opt.tell({ id, values: [1, 2], metrics: { mem: "x" as unknown as number } }), /tell: metrics\.mem: must be a number/);
  assert.throws(() => opt.tell({ id, values: [1, 2], value: 1 }), /exactly one|tell takes/);
  assert.throws(() => opt.tell({ id, failed: true, metrics: { mem: 1 } }), /metrics: belongs only to a result with value or values/);
  assert.equal(opt.pending().length, 1, "nothing was recorded by the refused calls");
  const single = createOptimizer({ parameters, objective: { metric: "err", direction: "minimize" }, algorithm: { name: "random" } });
  const [t] = await single.ask(1);
  assert.throws(() => single.tell({ id: t!.id, values: [1, 2] }), /tell: values: this job has a single objective; give value/);
});

test("configs and histories that do not fit are refused with their path", () => {
  assert.throws(() => createOptimizer({ ...config("random"), objective: { metric: "err", direction: "minimize" } }), /objective: needs exactly one of objective .* or objectives/);
  assert.throws(() => createOptimizer({ ...config("random"), objectives: undefined }), /needs exactly one of objective/);
  assert.throws(() => createOptimizer({ ...config("random"), objectives: [objectives[0]] }), /objectives: needs at least 2 objectives/);
  assert.throws(() => createOptimizer({ ...config("random"), objectives: [objectives[0], { metric: "err", direction: "maximize" }] }), /objectives\.1\.metric: repeats the metric "err"/);
  assert.throws(() => createOptimizer({ ...config("random"), constraints: [{ metric: "mem", min: 2, max: 1 }] }), /constraints\.0\.max: must be at least min \(2\)/);
  assert.throws(() => createOptimizer({ ...config("random"), constraints: [{ metric: "mem" }] }), /constraints\.0: needs at least one bound/);
  assert.throws(() => createOptimizer({ ...config("random"), constraints: [{ metric: "mem", max: 1 }, { metric: "mem", min: 0 }] }), /constraints\.1\.metric: repeats the metric "mem"/);
  assert.throws(() => createOptimizer(config("random"), [{ params: { x: 0.5, y: 0, k: "a" }, value: 1 }]), /optimizer history entry 0: value: this job has 2 objectives/);
  assert.throws(() => createOptimizer(config("random"), [{ params: { x: 0.5, y: 0, k: "a" }, values: [1, 2, 3] }]), /optimizer history entry 0: values: has 3 numbers/);
  assert.throws(() => createOptimizer(config("random"), [{ params: { x: 0.5, y: 0, k: "a" }, values: [1, Number.NaN] }]), /invalid optimizer history: 0\.values\.1: must be a finite number/);
  assert.throws(() => createOptimizer(config("random"), [{ params: { x: 0.5, y: 0, k: "a" }, failed: true, metrics: { mem: 1 } }]), /0\.metrics: belongs only to an entry with value or values/);
});

test("tpe defaults to independent densities with several objectives and to joint kernels with one", async () => {
  /** 30 suggestions (15 asks of 2) of a tpe job told `evaluate`'s values: both, or only the first as a single objective. */
  const suggestions = async (single: boolean, multivariate?: boolean): Promise<Params[]> => {
    const settings = multivariate === undefined ? {} : { multivariate };
    const extra = single ? { objectives: undefined, objective: { metric: "err", direction: "minimize" } as const } : {};
    const opt = createOptimizer(config("tpe", { algorithm: { name: "tpe", settings }, ...extra }));
    const seen: Params[] = [];
    for (let i = 0; i < 15; i++) {
      for (const s of await opt.ask(2)) {
        seen.push(s.params);
        const { values, metrics } = evaluate(s.params);
        opt.tell(single ? { id: s.id, value: values[0] as number, metrics } : { id: s.id, values, metrics });
      }
    }
    return seen;
  };
  const multi = await suggestions(false);
  assert.deepEqual(multi, await suggestions(false, false));
  assert.notDeepEqual(multi, await suggestions(false, true), "the two models must differ on this problem, or the test shows nothing");
  const one = await suggestions(true);
  assert.deepEqual(one, await suggestions(true, true));
  assert.notDeepEqual(one, await suggestions(true, false), "the two models must differ on this problem, or the test shows nothing");
});
