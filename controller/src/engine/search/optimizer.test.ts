import { test } from "node:test";
import assert from "node:assert/strict";
import type { Parameter, Params } from "../../api/parameters.ts";
import { createOptimizer, orientedObservations, type HistoryEntry, type Optimizer } from "./optimizer.ts";
import type { AlgorithmName } from "./types.ts";

const mixed: Parameter[] = [
  { name: "lr", type: "double", min: 1e-4, max: 0.3, scale: "log" },
  { name: "batch", type: "int", min: 16, max: 512, scale: "log" },
  { name: "dropout", type: "double", min: 0, max: 0.7, step: 0.05, scale: "linear" },
  { name: "opt", type: "categorical", values: ["adam", "sgd", "rmsprop"] },
  { name: "units", type: "discrete", values: [32, 64, 128, 256] },
  { name: "layers", type: "int", min: 1, max: 4, scale: "linear" },
];
const STOCHASTIC: AlgorithmName[] = ["random", "sobol", "tpe", "bayesian"];

const make = (name: AlgorithmName, history: HistoryEntry[] = [], parameters: Parameter[] = mixed, settings: unknown = {}, seed = 3): Optimizer =>
  createOptimizer({ parameters, objective: { metric: "loss", direction: "minimize" }, algorithm: { name, settings }, seed }, history);

/** A smooth objective over the mixed space, minimal near lr = 0.01, dropout = 0.2, adam. */
function loss(p: Params): number {
  return (Math.log10(Number(p.lr)) + 2) ** 2 + (Number(p.dropout) - 0.2) ** 2 + (p.opt === "adam" ? 0 : 0.5) + Number(p.layers) * 0.01;
}

async function runSequence(opt: Optimizer, steps: number, batch = 1): Promise<Params[]> {
  const seen: Params[] = [];
  for (let i = 0; i < steps; i++) {
    const got = await opt.ask(batch);
    for (const s of got) {
      seen.push(s.params);
      opt.tell({ id: s.id, value: loss(s.params) });
    }
  }
  return seen;
}

function assertValid(p: Params): void {
  assert.ok(typeof p.lr === "number" && p.lr >= 1e-4 && p.lr <= 0.3, `lr in bounds: ${p.lr}`);
  assert.ok(Number.isInteger(p.batch) && Number(p.batch) >= 16 && Number(p.batch) <= 512, `batch is an int in bounds: ${p.batch}`);
  const steps = Number(p.dropout) / 0.05;
  assert.ok(Math.abs(steps - Math.round(steps)) < 1e-9 && Number(p.dropout) >= 0 && Number(p.dropout) <= 0.7, `dropout on its step: ${p.dropout}`);
  assert.ok(["adam", "sgd", "rmsprop"].includes(String(p.opt)), `opt from the list: ${p.opt}`);
  assert.ok([32, 64, 128, 256].includes(Number(p.units)), `units from the list: ${p.units}`);
  assert.ok([1, 2, 3, 4].includes(Number(p.layers)), `layers an int in bounds: ${p.layers}`);
}

for (const name of STOCHASTIC) {
  test(`${name}: suggestions respect types, bounds, steps and lists`, async () => {
    const seen = await runSequence(make(name), 30);
    assert.equal(seen.length, 30);
    seen.forEach(assertValid);
  });

  test(`${name}: same seed and calls give identical suggestions; another seed differs`, async () => {
    const a = await runSequence(make(name), 15, 2);
    const b = await runSequence(make(name), 15, 2);
    assert.deepEqual(a, b);
    const c = await runSequence(make(name, [], mixed, {}, 4), 15, 2);
    assert.notDeepEqual(a, c);
  });

  test(`${name}: a batch of parallel asks gives distinct points`, async () => {
    const opt = make(name);
    await runSequence(opt, 12);
    const batch = await opt.ask(8);
    assert.equal(batch.length, 8);
    assert.equal(new Set(batch.map((s) => JSON.stringify(s.params))).size, 8);
    assert.equal(new Set(batch.map((s) => s.id)).size, 8);
  });

  test(`${name}: an optimizer rebuilt from its history continues identically`, async () => {
    const original = make(name);
    await runSequence(original, 14);
    const running = await original.ask(3);
    original.tell({ id: (running[1] as { id: string }).id, failed: true });
    const rebuilt = make(name, original.history());
    assert.equal(rebuilt.suggestionsMade, original.suggestionsMade);
    assert.deepEqual(rebuilt.pending(), original.pending());
    const next = [await original.ask(2), await rebuilt.ask(2)];
    assert.deepEqual(next[1], next[0]);
    for (const s of next[0] ?? []) original.tell({ id: s.id, value: loss(s.params) });
    for (const s of next[1] ?? []) rebuilt.tell({ id: s.id, value: loss(s.params) });
    assert.deepEqual(await rebuilt.ask(1), await original.ask(1));
  });
}

test("failed points are not suggested again in a small finite space", async () => {
  const small: Parameter[] = [{ name: "k", type: "int", min: 1, max: 4, scale: "linear" }, { name: "c", type: "categorical", values: ["a", "b"] }];
  for (const name of STOCHASTIC) {
    const opt = make(name, [], small);
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const [s] = await opt.ask(1);
      assert.ok(s, `${name}: a point is left at step ${i}`);
      seen.add(JSON.stringify(s.params));
      opt.tell({ id: s.id, failed: true });
    }
    assert.equal(seen.size, 8, `${name}: all 8 points visited once`);
    assert.deepEqual(await opt.ask(1), [], `${name}: an exhausted finite space yields nothing`);
  }
});

test("maximize is turned into minimization, and best() reports the raw value", async () => {
  const opt = createOptimizer({
    parameters: [{ name: "x", type: "double", min: 0, max: 1, scale: "linear" }],
    objective: { metric: "acc", direction: "maximize" },
    algorithm: { name: "tpe", settings: { startupTrials: 5 } },
    seed: 1,
  });
  for (let i = 0; i < 40; i++) {
    const [s] = await opt.ask(1);
    if (!s) throw new Error("no suggestion");
    opt.tell({ id: s.id, value: 1 - (Number(s.params.x) - 0.8) ** 2 });
  }
  const best = opt.best();
  assert.ok(best && Math.abs(Number(best.params.x) - 0.8) < 0.05, `best x near 0.8: ${JSON.stringify(best)}`);
  assert.ok(best && best.value > 0.997);
});

test("non-finite values count as the worst finite value; before any finite value, as failures", async () => {
  const one: Parameter[] = [{ name: "x", type: "double", min: 0, max: 1, scale: "linear" }];
  const history: HistoryEntry[] = [
    { params: { x: 0.1 }, value: Number.NaN },
    { params: { x: 0.2 }, value: 5 },
    { params: { x: 0.3 }, value: Number.POSITIVE_INFINITY },
    { params: { x: 0.4 }, value: 1 },
  ];
  const told = history.map((h, i) => ({ id: String(i), params: h.params, raw: h.value ?? null }));
  assert.deepEqual(orientedObservations(told, 1).map((o) => o.value), [5, 5, 5, 1]);
  assert.deepEqual(orientedObservations(told.slice(0, 1), 1).map((o) => o.value), [null]);
  assert.deepEqual(orientedObservations(told, -1).map((o) => o.value), [-1, -5, -1, -1]);
  const opt = make("bayesian", history, one);
  assert.equal((await opt.ask(2)).length, 2);
  assert.equal(opt.best()?.value, 1);
});

test("settings are validated per algorithm with the offending setting named", () => {
  assert.throws(() => make("tpe", [], mixed, { gama: 0.2 }), /invalid settings for search algorithm "tpe": unknown setting "gama" \(known settings: .*gamma/);
  assert.throws(() => make("tpe", [], mixed, { gamma: 2 }), /setting "gamma": must be a number from 0.01 to 0.5/);
  assert.throws(() => make("random", [], mixed, { x: 1 }), /unknown setting "x" \(random takes no settings\)/);
  assert.throws(() => make("bayesian", [], mixed, { candidates: -1 }), /search algorithm "bayesian".*setting "candidates"/);
  assert.throws(() => make("grid", [], mixed), /grid search needs a step for continuous parameter lr/);
  assert.throws(
    () => createOptimizer({ parameters: mixed, objective: { metric: "m", direction: "up" as "minimize" }, algorithm: { name: "random" } }),
    /invalid optimizer config: objective.direction: must be "minimize" or "maximize"/,
  );
});

test("tell and history errors say what was wrong", async () => {
  const opt = make("random");
  const [s] = await opt.ask(1);
  if (!s) throw new Error("no suggestion");
  assert.throws(() => opt.tell({ id: "nope", value: 1 }), /no pending suggestion with id "nope" \(it was never asked\)/);
  opt.tell({ id: s.id, value: 1 });
  assert.throws(() => opt.tell({ id: s.id, value: 1 }), /it was already told/);
  assert.throws(() => make("random", [{ params: { lr: 0.01 }, pending: true }]), /invalid optimizer history: 0.id: is required for a pending entry/);
  assert.throws(() => make("random", [{ params: { ...s.params, opt: "adagrad" }, value: 1 }]), /optimizer history entry 0: parameter opt: "adagrad" is not one of/);
  await assert.rejects(opt.ask(-1), /n must be a non-negative integer/);
});

test("pending entries from history are avoided and can be told by their id", async () => {
  const small: Parameter[] = [{ name: "k", type: "int", min: 0, max: 2, scale: "linear" }];
  const opt = make("random", [{ id: "trial-7", params: { k: 0 }, pending: true }, { params: { k: 1 }, value: 3 }], small);
  const [s] = await opt.ask(5);
  assert.deepEqual(s?.params, { k: 2 });
  assert.deepEqual(await opt.ask(1), []);
  opt.tell({ id: "trial-7", value: 2 });
  assert.equal(opt.best()?.id, "trial-7");
});

test("concurrent asks are serialized and never hand out the same point", async () => {
  const opt = make("bayesian", [], [{ name: "k", type: "int", min: 0, max: 5, scale: "linear" }]);
  const got = (await Promise.all([opt.ask(2), opt.ask(2), opt.ask(2)])).flat();
  assert.equal(new Set(got.map((s) => s.params.k)).size, 6);
});

test("numerical edge cases: 1-D, 20-D, all-categorical, constant and huge values", async () => {
  const spaces: Parameter[][] = [
    [{ name: "x", type: "double", min: -1, max: 1, scale: "linear" }],
    Array.from({ length: 20 }, (_, i): Parameter => ({ name: `x${i}`, type: "double", min: 0, max: 1, scale: "linear" })),
    [{ name: "a", type: "categorical", values: ["p", "q", "r"] }, { name: "b", type: "categorical", values: ["s", "t", "u", "v"] }],
  ];
  for (const name of ["tpe", "bayesian"] as const) {
    for (const parameters of spaces) {
      for (const value of [(i: number) => 7 + 0 * i, (i: number) => (i % 2 ? 1e300 : -1e300)]) {
        const opt = make(name, [], parameters, name === "tpe" ? { startupTrials: 3 } : { initialTrials: 3 });
        const categorical = parameters[0]?.type === "categorical";
        const seen = new Set<string>();
        for (let i = 0; i < (categorical ? 6 : 12); i++) {
          const batch = await opt.ask(2);
          assert.equal(batch.length, 2, `${name} d=${parameters.length} keeps suggesting`);
          for (const s of batch) {
            seen.add(JSON.stringify(s.params));
            opt.tell({ id: s.id, value: value(i) });
          }
        }
        // The all-categorical space has 12 points: all visited once, then nothing is left.
        if (categorical) {
          assert.equal(seen.size, 12);
          assert.deepEqual(await opt.ask(1), []);
        }
      }
    }
  }
});

test("log-scaled parameters are searched in log space", async () => {
  for (const name of ["random", "sobol"] as const) {
    const got = await make(name).ask(400);
    const below = got.filter((s) => Number(s.params.lr) < Math.sqrt(1e-4 * 0.3)).length / got.length;
    // Log-uniform: half the draws fall below the geometric mean (uniform sampling would give ~2%).
    assert.ok(below > 0.4 && below < 0.6, `${name}: ${below} of the draws below the geometric mean`);
  }
});
