import { test } from "node:test";
import assert from "node:assert/strict";
import { Parameters, type Params } from "../../../api/parameters.ts";
import { createSpace, type Space } from "../space.ts";
import type { Observation } from "../types.ts";
import { clearFitCache } from "./hyper.ts";
import { BayesianSettings } from "../../../api/search-settings.ts";
import { createBayesian } from "./index.ts";
import { clearPosteriorMemo } from "./posterior.ts";

const mixed = createSpace(
  Parameters.parse([
    { name: "lr", type: "double", min: 1e-4, max: 0.3, scale: "log" },
    { name: "batch", type: "int", min: 16, max: 512, scale: "log" },
    { name: "dropout", type: "double", min: 0, max: 0.7, step: 0.05 },
    { name: "layers", type: "int", min: 1, max: 6 },
    { name: "optimizer", type: "categorical", values: ["adam", "sgd", "rmsprop"] },
    { name: "units", type: "discrete", values: [256, 32, 64, 128] },
  ]),
);

/** A smooth objective over the mixed space with its optimum at lr≈0.01, dropout 0.2, adam, 128 units. */
function mixedLoss(p: Params): number {
  const lr = Math.log10(Number(p.lr)) + 2;
  return lr * lr + (Number(p.dropout) - 0.2) ** 2 * 4 + (p.optimizer === "adam" ? 0 : 0.5) + Math.abs(Math.log2(Number(p.units) / 128)) * 0.2 + Number(p.layers) * 0.01;
}

/** Runs a sequential loop and returns the observations. */
async function run(space: Space, f: (p: Params) => number | null, trials: number, seed = 1, settings: BayesianSettings = {}): Promise<Observation[]> {
  const alg = createBayesian(space, settings);
  const observations: Observation[] = [];
  for (let i = 0; i < trials; i++) {
    const [p] = await alg.suggest({ n: 1, observations, pending: [], index: i, seed });
    assert.ok(p, `no suggestion at trial ${i}`);
    observations.push({ params: p, value: f(p) });
  }
  return observations;
}

function assertValid(space: Space, p: Params): void {
  // toUnit throws on values outside the declared lists; fromUnit∘toUnit is the identity on valid points.
  assert.deepEqual(space.fromUnit(space.toUnit(p)), p);
  assert.ok(Number.isInteger(p.batch) && Number(p.batch) >= 16 && Number(p.batch) <= 512, `batch ${p.batch}`);
  assert.ok(Number.isInteger(p.layers), `layers ${p.layers}`);
  assert.ok(Math.abs(Number(p.dropout) / 0.05 - Math.round(Number(p.dropout) / 0.05)) < 1e-9, `dropout ${p.dropout} off its step`);
  assert.ok(Number(p.lr) >= 1e-4 && Number(p.lr) <= 0.3);
}

test("suggestions respect types, bounds, steps and declared values, and the GP beats the initial design", async () => {
  const obs = await run(mixed, mixedLoss, 30);
  for (const o of obs) assertValid(mixed, o.params);
  const best = (from: number, to: number): number => Math.min(...obs.slice(from, to).map((o) => o.value as number));
  assert.ok(best(13, 30) < best(0, 13), "model-based trials improve on the design");
  assert.ok(best(0, 30) < 0.15, `best loss ${best(0, 30)} after 30 trials`);
  // Log scales are searched in log space: the learning rates span several decades.
  const decades = new Set(obs.slice(0, 13).map((o) => Math.floor(Math.log10(Number(o.params.lr)))));
  assert.ok(decades.size >= 3, `design covers decades ${[...decades]}`);
});

test("same inputs give the same suggestions, and a rebuilt optimizer continues identically", async () => {
  const a = await run(mixed, mixedLoss, 16, 7);
  const b = await run(mixed, mixedLoss, 16, 7);
  assert.deepEqual(a, b);
  const rebuilt = createBayesian(mixed, {});
  const next = await rebuilt.suggest({ n: 2, observations: a, pending: [], index: 16, seed: 7 });
  const again = await createBayesian(mixed, {}).suggest({ n: 2, observations: a, pending: [], index: 16, seed: 7 });
  assert.deepEqual(next, again);
  // Memoized fits and factors change speed only: a process that never saw this job suggests the same.
  clearFitCache();
  clearPosteriorMemo();
  const cold = await createBayesian(mixed, {}).suggest({ n: 2, observations: a, pending: [], index: 16, seed: 7 });
  assert.deepEqual(cold, next);
  const other = await run(mixed, mixedLoss, 16, 8);
  assert.notDeepEqual(a.map((o) => o.params), other.map((o) => o.params));
});

test("ask(n) equals n asks with the earlier ones pending, and gives n distinct points", async () => {
  const observations = await run(mixed, mixedLoss, 15);
  const alg = createBayesian(mixed, {});
  const batch = await alg.suggest({ n: 4, observations, pending: [], index: 15, seed: 1 });
  const pending: Params[] = [];
  for (let j = 0; j < 4; j++) {
    const [p] = await alg.suggest({ n: 1, observations, pending, index: 15 + j, seed: 1 });
    pending.push(p!);
  }
  assert.deepEqual(batch, pending);
  assert.equal(new Set(batch.map((p) => mixed.key(p))).size, 4);
  const seen = new Set(observations.map((o) => mixed.key(o.params)));
  for (const p of batch) assert.ok(!seen.has(mixed.key(p)), "no batch point repeats an observation");
});

test("parallel asks on a continuous problem spread out instead of collapsing onto one point", async () => {
  const space = createSpace(Parameters.parse([{ name: "x", type: "double", min: 0, max: 1 }]));
  const observations = await run(space, (p) => (Number(p.x) - 0.3) ** 2, 8);
  const batch = await createBayesian(space, {}).suggest({ n: 5, observations, pending: [], index: 8, seed: 1 });
  const xs = batch.map((p) => Number(p.x)).sort((a, b) => a - b);
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i]! - xs[i - 1]! > 1e-3, `batch points ${xs} too close`);
});

test("failed trials are not modelled as data and are not re-suggested", async () => {
  // Everything with optimizer "sgd" fails; the optimizer must keep proposing other points.
  const obs = await run(mixed, (p) => (p.optimizer === "sgd" ? null : mixedLoss(p)), 30, 3);
  const keys = obs.map((o) => mixed.key(o.params));
  assert.equal(new Set(keys).size, keys.length, "no point is suggested twice");
  const failedAfterDesign = obs.slice(13).filter((o) => o.value === null).length;
  assert.ok(failedAfterDesign < 9, `${failedAfterDesign} of 17 model-based trials failed`);
  // Only failures so far: still suggests, without throwing.
  const alg = createBayesian(mixed, { initialTrials: 2 });
  const out = await alg.suggest({ n: 2, observations: obs.filter((o) => o.value === null).slice(0, 3), pending: [], index: 5, seed: 1 });
  assert.equal(out.length, 2);
});

test("constant, duplicate, huge, infinite and NaN values are handled", async () => {
  const space = createSpace(Parameters.parse([{ name: "x", type: "double", min: -1, max: 1 }, { name: "y", type: "double", min: -1, max: 1 }]));
  for (const f of [
    () => 3,
    (p: Params) => (Number(p.x) > 0 ? 1e300 : Number(p.y)),
    (p: Params) => (Number(p.x) > 0.5 ? Infinity : Number(p.x) < -0.8 ? Number.NaN : Number(p.y) ** 2),
    (p: Params) => (Number(p.x) > 0 ? -Infinity : Number(p.x)),
  ]) {
    const obs = await run(space, f, 18);
    for (const o of obs) assert.ok(Number.isFinite(Number(o.params.x)) && Math.abs(Number(o.params.x)) <= 1);
  }
  // Duplicate observations of one point.
  const p = { x: 0.1, y: 0.2 };
  const dup: Observation[] = Array.from({ length: 12 }, (_, i) => ({ params: i % 2 ? p : { x: -0.5, y: 0.5 }, value: i % 2 ? 1 + i * 1e-9 : 2 }));
  const [s] = await createBayesian(space, {}).suggest({ n: 1, observations: dup, pending: [], index: 12, seed: 1 });
  assert.ok(s && Number.isFinite(Number(s.x)));
});

test("one-dimensional problems converge to the optimum", async () => {
  const space = createSpace(Parameters.parse([{ name: "x", type: "double", min: -2, max: 2 }]));
  const obs = await run(space, (p) => (Number(p.x) - 0.737) ** 2, 15);
  const best = obs.reduce((b, o) => (o.value! < b.value! ? o : b));
  assert.ok(Math.abs(Number(best.params.x) - 0.737) < 0.01, `best x ${best.params.x}`);
});

test("a 20-dimensional space works and eventually improves on its initial design", async () => {
  const params = Array.from({ length: 20 }, (_, i) => ({ name: `x${i}`, type: "double", min: 0, max: 1 }));
  const space = createSpace(Parameters.parse(params));
  const f = (p: Params): number => Object.values(p).reduce<number>((s, v, i) => s + (i < 4 ? 10 : 1) * (Number(v) - 0.5) ** 2, 0);
  const obs = await run(space, f, 40, 2, { initialTrials: 10 });
  assert.equal(new Set(obs.map((o) => space.key(o.params))).size, 40);
  const best = (from: number, to: number): number => Math.min(...obs.slice(from, to).map((o) => o.value as number));
  assert.ok(best(10, 40) < best(0, 10), `GP best ${best(10, 40)} vs design ${best(0, 10)}`);
});

test("all-categorical spaces are explored without repeats until exhausted", async () => {
  const space = createSpace(
    Parameters.parse([
      { name: "a", type: "categorical", values: ["p", "q", "r"] },
      { name: "b", type: "categorical", values: ["s", "t", "u", "v"] },
    ]),
  );
  const obs = await run(space, (p) => (p.a === "q" ? 0 : 1) + (p.b === "u" ? 0 : 0.5), 12);
  assert.equal(new Set(obs.map((o) => space.key(o.params))).size, 12, "all 12 points, none twice");
  const more = await createBayesian(space, {}).suggest({ n: 2, observations: obs, pending: [], index: 12, seed: 1 });
  assert.equal(more.length, 2, "an exhausted space still answers (re-evaluation is allowed for noisy objectives)");
  const early = await run(space, (p) => (p.a === "q" ? 0 : 1) + (p.b === "u" ? 0 : 0.5), 9, 4, { initialTrials: 4 });
  assert.ok(early.some((o) => o.value === 0), "the optimum is found before the space is exhausted");
});

test("settings are validated with errors naming the setting", () => {
  assert.throws(() => createBayesian(mixed, { candidates: 3 }), /settings\.candidates must be an integer from 16 to 100000/);
  assert.throws(() => createBayesian(mixed, { noiseFloor: 2 }), /settings\.noiseFloor must be a number/);
  assert.throws(() => createBayesian(mixed, { warping: "log" } as unknown as BayesianSettings), /settings\.warping must be "yeo-johnson" or "none"/);
  assert.throws(() => createBayesian(mixed, { kappa: 2 } as unknown as BayesianSettings), /settings.*kappa/);
  assert.equal(BayesianSettings.safeParse({}).success, true);
});

test("beyond maxObservations a rebuilt optimizer still continues identically", async () => {
  const space = createSpace(Parameters.parse([{ name: "x", type: "double", min: -1, max: 1 }, { name: "y", type: "double", min: -1, max: 1 }]));
  const f = (p: Params): number => (Number(p.x) - 0.3) ** 2 + Math.abs(Number(p.y) + 0.2);
  const settings: BayesianSettings = { maxObservations: 20, initialTrials: 5 };
  const obs = await run(space, f, 36, 4, settings);
  const warm = await createBayesian(space, settings).suggest({ n: 2, observations: obs, pending: [], index: 36, seed: 4 });
  clearFitCache();
  clearPosteriorMemo();
  const cold = await createBayesian(space, settings).suggest({ n: 2, observations: obs, pending: [], index: 36, seed: 4 });
  assert.deepEqual(cold, warm);
});
