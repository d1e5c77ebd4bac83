import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../rng.ts";
import { defaultPrior, defaultStart, fitHyperparameters } from "./fit.ts";
import { checkpoints, clearFitCache, hyperparametersFor } from "./hyper.ts";
import { paramsFromLog, type KernelLayout } from "./kernel.ts";
import { lbfgs } from "./lbfgs.ts";
import { resolveBayesianSettings } from "./settings.ts";
import { warpValues } from "./warp.ts";

test("lbfgs minimizes the Rosenbrock function", async () => {
  const result = await lbfgs(
    (x, g) => {
      const a = x[0]!;
      const b = x[1]!;
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    },
    [-1.2, 1],
    500,
  );
  assert.ok(Math.abs(result.x[0]! - 1) < 1e-3 && Math.abs(result.x[1]! - 1) < 1e-3, `ended at ${Array.from(result.x)}`);
});

/** Data from f(x) = sin(2π·x0/period): relevant x0, irrelevant x1. */
function sinusoid(n: number, period: number): { X: Float64Array; y: Float64Array } {
  const rng = createRng(9);
  const X = new Float64Array(n * 2);
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    X[i * 2] = rng.next();
    X[i * 2 + 1] = rng.next();
    values.push(Math.sin((2 * Math.PI * X[i * 2]!) / period));
  }
  return { X, y: warpValues(values, "none").y };
}

const layout: KernelLayout = { dims: 2, metric: [0, 1], categorical: [] };

test("the MAP fit finds a short lengthscale for a wiggly relevant input and a long one for an irrelevant input", async () => {
  const lengthscales = async (period: number): Promise<number[]> => {
    const { X, y } = sinusoid(60, period);
    const rho = await fitHyperparameters(layout, X, y, 60, 1e-6, [defaultStart(layout)], 200);
    const p = paramsFromLog(layout, rho, 1e-6);
    return Array.from(p.invSq, (t) => 1 / Math.sqrt(t));
  };
  const [fast, irrelevant] = await lengthscales(0.25);
  const [slow] = await lengthscales(1);
  assert.ok(fast! > 0.03 && fast! < 0.25, `lengthscale ${fast} for period 0.25`);
  assert.ok(slow! > 2 * fast!, `lengthscale ${slow} for period 1 vs ${fast}`);
  assert.ok(irrelevant! > 5 * fast!, `irrelevant input got lengthscale ${irrelevant}`);
});

test("the lengthscale prior is centred near the cube's width for a few dimensions and grows as √D", () => {
  // Prior median lengthscale of a D-dimensional continuous space (ρ = log θ = -2·log ℓ).
  const median = (D: number): number => {
    const metric = Array.from({ length: D }, (_, j) => j);
    return Math.exp(-defaultPrior({ dims: D, metric, categorical: [] }).mean[0]! / 2);
  };
  assert.ok(median(4) > 0.8 && median(4) < 1.5, `median lengthscale ${median(4)} at D = 4`);
  assert.ok(Math.abs(median(16) / median(4) - 2) < 1e-9);
});

test("checkpoints grow geometrically from 2", () => {
  assert.deepEqual(checkpoints(30, 0.1), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 21, 24, 27, 30]);
  assert.deepEqual(checkpoints(5, 0), [2, 3, 4, 5]);
});

test("memoized hyperparameters equal a cold recomputation, whatever was computed before", async () => {
  const { X } = sinusoid(40, 0.5);
  const values = Array.from({ length: 40 }, (_, i) => Math.cos(7 * X[i * 2]!) + X[i * 2 + 1]!);
  const settings = resolveBayesianSettings({}, 2);
  clearFitCache();
  const incremental: Float64Array[] = [];
  for (const n of [10, 20, 30, 40]) incremental.push(await hyperparametersFor(layout, { X, values, n }, settings, 1));
  clearFitCache();
  const cold = await hyperparametersFor(layout, { X, values, n: 40 }, settings, 1);
  assert.deepEqual(Array.from(cold), Array.from(incremental[3]!));
});
