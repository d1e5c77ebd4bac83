import { test } from "node:test";
import assert from "node:assert/strict";
import { Parameters, type Params } from "../../api/parameters.ts";
import { createOptimizer, type HistoryEntry } from "./optimizer.ts";
import { createSpace } from "./space.ts";
import { TpeSettings } from "../../api/search-settings.ts";
import { createTpe, rankWeights } from "./tpe.ts";

const parameters = Parameters.parse([
  { name: "x", type: "double", min: -5, max: 5 },
  { name: "y", type: "double", min: -5, max: 5 },
  { name: "c", type: "categorical", values: ["a", "b", "c", "d"] },
]);
const f = (p: Params): number => (Number(p.x) - 1) ** 2 + (Number(p.y) + 2) ** 2 + (p.c === "c" ? 0 : 3);

async function bestAfter(name: "tpe" | "random", seed: number, trials: number): Promise<number> {
  const opt = createOptimizer({ parameters, objective: { metric: "f", direction: "minimize" }, algorithm: { name }, seed });
  let best = Infinity;
  for (let i = 0; i < trials; i++) {
    const [s] = await opt.ask(1);
    if (!s) break;
    const v = f(s.params);
    opt.tell({ id: s.id, value: v });
    best = Math.min(best, v);
  }
  return best;
}

test("tpe finds a much better point than random search in the same budget on most seeds", async () => {
  let wins = 0;
  for (let seed = 0; seed < 5; seed++) if ((await bestAfter("tpe", seed, 60)) < (await bestAfter("random", seed, 60))) wins++;
  assert.ok(wins >= 4, `tpe beat random on ${wins}/5 seeds`);
});

test("tpe's suggestions concentrate on the good category after startup", async () => {
  const space = createSpace(parameters);
  const tpe = createTpe(space, TpeSettings.parse({}), 1);
  const observations = Array.from({ length: 40 }, (_, i) => {
    const params = space.fromUnit([((i * 0.37) % 1), ((i * 0.71) % 1), (i % 4 + 0.5) / 4]);
    return { params, value: f(params) };
  });
  const got: Params[] = [];
  for (let k = 0; k < 10; k++) got.push(...(await tpe.suggest({ n: 1, observations, pending: [], index: 40 + k, seed: 1 })));
  assert.ok(got.filter((p) => p.c === "c").length >= 7, JSON.stringify(got.map((p) => p.c)));
});

test("constant liar (multivariate): a batch asked at once spreads out instead of repeating the argmax", async () => {
  const space = createSpace(parameters);
  const observations = Array.from({ length: 30 }, (_, i) => {
    const params = space.fromUnit([((i * 0.37) % 1), ((i * 0.71) % 1), (i % 4 + 0.5) / 4]);
    return { params, value: f(params) };
  });
  const spread = (liar: boolean, seed: number): Promise<Params[]> =>
    Promise.resolve(createTpe(space, TpeSettings.parse({ constantLiar: liar, multivariate: true }), seed).suggest({ n: 6, observations, pending: [], index: 30, seed }));
  /** Mean pairwise distance in (x, y). */
  const d = (ps: Params[]): number => {
    let sum = 0;
    let count = 0;
    ps.forEach((a, i) => ps.slice(i + 1).forEach((b) => {
      sum += Math.hypot(Number(a.x) - Number(b.x), Number(a.y) - Number(b.y));
      count++;
    }));
    return sum / count;
  };
  let withLiar = 0;
  let without = 0;
  for (let seed = 1; seed <= 8; seed++) {
    const batch = await spread(true, seed);
    assert.equal(new Set(batch.map((p) => JSON.stringify(p))).size, 6);
    withLiar += d(batch);
    without += d(await spread(false, seed));
  }
  assert.ok(withLiar > 1.2 * without, `mean spread with liar ${withLiar / 8} vs without ${without / 8}`);
});

test("startup trials come from the scrambled Sobol sequence", async () => {
  const space = createSpace(parameters);
  const got = await createTpe(space, TpeSettings.parse({ startupTrials: 8 }), 3).suggest({ n: 8, observations: [], pending: [], index: 0, seed: 3 });
  // A (0,3,d)-net: the 8 x-values fall in 8 different eighths of [-5, 5].
  assert.equal(new Set(got.map((p) => Math.floor(((Number(p.x) + 5) / 10) * 8))).size, 8);
});

test("rank weights favour the best good observations and fall back to default weights without values", () => {
  assert.deepEqual(rankWeights([0.3, 0.1, 0.2, 0.1]), [0.25, 1, 0.5, 1]);
  assert.equal(rankWeights([0.3, null]), undefined);
  assert.equal(rankWeights([0.3, Number.NaN]), undefined);
});

test("a TPE history rebuild continues with the same suggestions", async () => {
  const run = async (history: HistoryEntry[], n: number) => {
    const opt = createOptimizer({ parameters, objective: { metric: "f", direction: "minimize" }, algorithm: { name: "tpe" }, seed: 9 }, history);
    const got: Params[] = [];
    for (let i = 0; i < n; i++) {
      const batch = await opt.ask(2);
      for (const s of batch) got.push(s.params);
      opt.tell({ id: batch[0]?.id ?? "", value: f(batch[0]?.params ?? {}) });
      if (i % 2) opt.tell({ id: batch[1]?.id ?? "", failed: true });
      else opt.tell({ id: batch[1]?.id ?? "", value: f(batch[1]?.params ?? {}) });
    }
    return { got, history: opt.history() };
  };
  const whole = await run([], 20);
  const resumed = await run(whole.history.slice(0, 24), 8);
  assert.deepEqual(resumed.got, whole.got.slice(24, 40));
});
