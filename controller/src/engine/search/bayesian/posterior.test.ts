import { test } from "node:test";
import assert from "node:assert/strict";
import { paramsFromLog, type KernelLayout } from "./kernel.ts";
import { createPacer } from "./pace.ts";
import { clearPosteriorMemo, createPosterior } from "./posterior.ts";

const layout: KernelLayout = { dims: 1, metric: [0], categorical: [] };
const params = paramsFromLog(layout, [Math.log(25), 0, Math.log(1e-10)], 1e-10);
const X = Float64Array.from([0.1, 0.3, 0.5, 0.8]);
const y = Float64Array.from([1, -0.5, 0.2, 1.5]);

test("the posterior interpolates noiseless data with vanishing variance there", async () => {
  const post = await createPosterior(layout, params, X, y, 4);
  for (let i = 0; i < 4; i++) {
    const { mean, sd } = post.predict([X[i]!]);
    assert.ok(Math.abs(mean - y[i]!) < 1e-4, `mean ${mean} at ${X[i]}`);
    assert.ok(sd < 1e-3, `sd ${sd} at ${X[i]}`);
  }
  const between = post.predict([0.65]).sd;
  const far = post.predict([1]).sd;
  assert.ok(between > 1e-2 && far > between, "uncertainty grows away from the data");
});

test("far from all data the posterior reverts to the prior", async () => {
  const wide = paramsFromLog(layout, [Math.log(2500), 0, Math.log(1e-10)], 1e-10);
  const post = await createPosterior(layout, wide, Float64Array.from([0]), Float64Array.from([3]), 1);
  const { mean, sd } = post.predict([1]);
  assert.ok(Math.abs(mean) < 1e-6 && Math.abs(sd - 1) < 1e-6);
});

test("believing a point keeps the mean and collapses the variance around it", async () => {
  const post = await createPosterior(layout, params, X, y, 4);
  const before = { ...post.predict([0.65]) };
  const nearBefore = post.predict([0.68]).sd;
  post.believe([0.65]);
  assert.equal(post.size, 5);
  const after = post.predict([0.65]);
  assert.ok(Math.abs(after.mean - before.mean) < 1e-8);
  assert.ok(after.sd < 1e-3 * before.sd);
  assert.ok(post.predict([0.68]).sd < nearBefore, "nearby variance drops too");
});

test("duplicate observations do not break the factorization", async () => {
  const Xd = Float64Array.from([0.4, 0.4, 0.4, 0.6]);
  const post = await createPosterior(layout, params, Xd, Float64Array.from([1, 1.2, 0.8, 0]), 4);
  const { mean, sd } = post.predict([0.4]);
  assert.ok(Number.isFinite(mean) && Number.isFinite(sd));
  assert.ok(Math.abs(mean - 1) < 0.05, `duplicates average to ${mean}`);
});

test("a memoized factor extended by new observations predicts bit-identically to a cold one", async () => {
  const wide: KernelLayout = { dims: 2, metric: [0, 1], categorical: [] };
  const p = paramsFromLog(wide, [Math.log(9), Math.log(4), 0, Math.log(1e-4)], 1e-6);
  const n = 40;
  const Xw = Float64Array.from({ length: n * 2 }, (_, i) => (Math.sin(i * 7.31) + 1) / 2);
  const yw = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
  clearPosteriorMemo();
  await createPosterior(wide, p, Xw, yw, 30, "k");
  const warm = await createPosterior(wide, p, Xw, yw, n, "k");
  clearPosteriorMemo();
  const cold = await createPosterior(wide, p, Xw, yw, n);
  for (const x of [[0.1, 0.9], [0.5, 0.5], [0.77, 0.2]]) assert.deepEqual({ ...warm.predict(x) }, { ...cold.predict(x) });
});

test("the event loop gets turns while a paced factorization runs", async () => {
  const wide: KernelLayout = { dims: 2, metric: [0, 1], categorical: [] };
  const p = paramsFromLog(wide, [Math.log(9), Math.log(4), 0, Math.log(1e-4)], 1e-6);
  const n = 200;
  const Xw = Float64Array.from({ length: n * 2 }, (_, i) => (Math.sin(i * 7.31) + 1) / 2);
  let turns = 0;
  let running = true;
  const tick = (): void => {
    turns++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  await createPosterior(wide, p, Xw, new Float64Array(n), n, null, createPacer(1e5));
  running = false;
  assert.ok(turns >= 5, `${turns} event-loop turns during the factorization`);
});
