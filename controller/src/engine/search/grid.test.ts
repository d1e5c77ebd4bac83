import { test } from "node:test";
import assert from "node:assert/strict";
import { Parameters } from "../../api/parameters.ts";
import { createOptimizer } from "./optimizer.ts";

const parameters = Parameters.parse([
  { name: "lr", type: "double", min: 0.1, max: 0.3, step: 0.1 },
  { name: "opt", type: "categorical", values: ["adam", "sgd"] },
  { name: "units", type: "discrete", values: [64, 32] },
  { name: "batch", type: "int", min: 2, max: 4, scale: "log" },
]);
const grid = (order: "lexicographic" | "shuffled", history = [] as Parameters<typeof createOptimizer>[1]) =>
  createOptimizer({ parameters, objective: { metric: "loss", direction: "minimize" }, algorithm: { name: "grid", settings: { order } }, seed: 5 }, history);

test("grid: lexicographic order with the last parameter varying fastest", async () => {
  const got = (await grid("lexicographic").ask(4)).map((s) => s.params);
  assert.deepEqual(got, [
    { lr: 0.1, opt: "adam", units: 32, batch: 2 },
    { lr: 0.1, opt: "adam", units: 32, batch: 3 },
    { lr: 0.1, opt: "adam", units: 32, batch: 4 },
    { lr: 0.1, opt: "adam", units: 64, batch: 2 },
  ]);
});

for (const order of ["lexicographic", "shuffled"] as const) {
  test(`grid (${order}): visits every one of the 36 points exactly once, then is exhausted`, async () => {
    const opt = grid(order);
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      for (const s of await opt.ask(4)) {
        seen.add(JSON.stringify(s.params));
        opt.tell(i % 3 ? { id: s.id, value: i } : { id: s.id, failed: true });
      }
    }
    assert.equal(seen.size, 36);
    assert.deepEqual(await opt.ask(1), []);
    assert.equal(opt.suggestionsMade, 36);
  });
}

test("grid: never returns a point already told or pending, including ones from history", async () => {
  const opt = grid("lexicographic", [
    { params: { lr: 0.1, opt: "adam", units: 32, batch: 2 }, value: 1 },
    { id: "t1", params: { lr: 0.1, opt: "adam", units: 32, batch: 3 }, pending: true },
  ]);
  const [s] = await opt.ask(1);
  assert.deepEqual(s?.params, { lr: 0.1, opt: "adam", units: 32, batch: 4 });
});

test("grid: shuffled order is a seeded permutation", async () => {
  const a = (await grid("shuffled").ask(36)).map((s) => JSON.stringify(s.params));
  const b = (await grid("lexicographic").ask(36)).map((s) => JSON.stringify(s.params));
  assert.notDeepEqual(a, b);
  assert.deepEqual([...a].sort(), [...b].sort());
});

test("grid: a continuous parameter without a step is refused with a fix", () => {
  assert.throws(
    () => createOptimizer({
      parameters: Parameters.parse([{ name: "dropout", type: "double", min: 0, max: 1 }]),
      objective: { metric: "loss", direction: "minimize" },
      algorithm: { name: "grid" },
    }),
    /grid search needs a step for continuous parameter dropout: add step/,
  );
});
