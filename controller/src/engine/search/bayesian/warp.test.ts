import { test } from "node:test";
import assert from "node:assert/strict";
import { warpValues, yeoJohnson } from "./warp.ts";

const mean = (a: Float64Array): number => a.reduce((s, v) => s + v, 0) / a.length;
const sd = (a: Float64Array): number => Math.sqrt(a.reduce((s, v) => s + (v - mean(a)) ** 2, 0) / a.length);

test("yeoJohnson is the identity at λ = 1 and a log at λ = 0", () => {
  for (const z of [-3, -0.5, 0, 2.5]) assert.ok(Math.abs(yeoJohnson(z, 1) - z) < 1e-12);
  assert.ok(Math.abs(yeoJohnson(Math.E - 1, 0) - 1) < 1e-12);
  assert.ok(Math.abs(yeoJohnson(-(Math.E - 1), 2) + 1) < 1e-12);
});

test("warped targets are standardized and keep the order of the values", () => {
  const values = [0.3, 0.1, 5, 0.2, 0.25, 0.15, 1e6, 0.4];
  const { y } = warpValues(values, "yeo-johnson");
  assert.ok(Math.abs(mean(y)) < 1e-12);
  assert.ok(Math.abs(sd(y) - 1) < 1e-12);
  for (let i = 0; i < values.length; i++) {
    for (let j = 0; j < values.length; j++) if (values[i]! < values[j]!) assert.ok(y[i]! < y[j]!, `order of ${values[i]} and ${values[j]}`);
  }
});

test("a heavy-tailed outlier is compressed so the good values stay distinguishable", () => {
  const values = [0.1, 0.12, 0.15, 0.2, 0.3, 0.35, 0.5, 1e9];
  const warped = warpValues(values, "yeo-johnson");
  const raw = warpValues(values, "none");
  assert.ok(warped.lambda < 1, `λ = ${warped.lambda}`);
  const spread = (y: Float64Array): number => y[6]! - y[0]!;
  assert.ok(spread(warped.y) > 100 * spread(raw.y), "good values spread out after warping");
});

test("constant, infinite and single values give finite targets", () => {
  assert.deepEqual(Array.from(warpValues([2, 2, 2, 2], "yeo-johnson").y), [0, 0, 0, 0]);
  const inf = warpValues([1, 2, Infinity, 3, -Infinity], "yeo-johnson").y;
  assert.ok(inf.every(Number.isFinite));
  // +∞ is as bad as the worst finite value, -∞ as good as the best.
  assert.equal(inf[2], inf[3]);
  assert.equal(inf[4], inf[0]);
  assert.deepEqual(Array.from(warpValues([7], "yeo-johnson").y), [0]);
  assert.ok(warpValues([1e308, -1e308, 0, 1], "yeo-johnson").y.every(Number.isFinite));
});
