import { test } from "node:test";
import assert from "node:assert/strict";
import { createNegLogPosterior, defaultPrior } from "./fit.ts";
import { hyperCount, kernelRows, matern52, paramsFromLog, type KernelLayout } from "./kernel.ts";
import { createRng } from "../rng.ts";

const close = (a: number, b: number, tol: number): void => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b}`);

test("matern52 has its hand-computed values", () => {
  assert.equal(matern52(0), 1);
  // r = 1: (1 + √5 + 5/3)·e^-√5
  close(matern52(1), 0.5239941088318203, 1e-12);
  // r = 0.5: (1 + √5/2 + 5/12)·e^(-√5/2)
  close(matern52(0.25), 0.8286491424181255, 1e-12);
});

test("kernelRows combines ARD distance, categorical overlap, signal and noise", () => {
  // Coordinates: x0 metric, x1 categorical (level index).
  const layout: KernelLayout = { dims: 2, metric: [0], categorical: [1] };
  const rho = Float64Array.from([Math.log(4), Math.log(0.7), Math.log(2), Math.log(0.1)]);
  const p = paramsFromLog(layout, rho, 0.01);
  close(p.noise, 0.11, 1e-15);
  const X = Float64Array.from([0.2, 0, 0.7, 0, 0.7, 1]);
  // Packed lower triangle: rows [K00], [K10 K11], [K20 K21 K22].
  const K = new Float64Array(6);
  kernelRows(layout, p, X, 0, 3, K);
  assert.equal(K.length, 6);
  close(K[0]!, 2 + 0.11, 1e-12);
  close(K[2]!, 2 + 0.11, 1e-12);
  // points 0,1: Δ = 0.5, θ = 4 → r² = 1, same category.
  close(K[1]!, 2 * 0.5239941088318203, 1e-12);
  // points 1,2: same x0, different category → 2·e^-0.7.
  close(K[4]!, 2 * Math.exp(-0.7), 1e-12);
  // points 0,2: both factors.
  close(K[3]!, 2 * 0.5239941088318203 * Math.exp(-0.7), 1e-12);
});

test("the analytic marginal-likelihood gradient matches finite differences", () => {
  const layout: KernelLayout = { dims: 3, metric: [0, 1], categorical: [2] };
  const rng = createRng(3);
  const n = 12;
  const X = new Float64Array(n * 3);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    X[i * 3] = rng.next();
    X[i * 3 + 1] = rng.next();
    X[i * 3 + 2] = rng.int(3);
    y[i] = Math.sin(4 * X[i * 3]!) + X[i * 3 + 2]! * 0.3 + 0.1 * rng.normal();
  }
  const prior = defaultPrior(layout);
  const rho = Float64Array.from([Math.log(3), Math.log(0.5), Math.log(0.8), Math.log(1.3), Math.log(0.02)]);
  assert.equal(rho.length, hyperCount(layout));
  const grad = new Float64Array(rho.length);
  const negLogPosterior = createNegLogPosterior(layout, prior, X, y, n, 1e-6);
  negLogPosterior(rho, grad);
  const scratch = new Float64Array(rho.length);
  for (let i = 0; i < rho.length; i++) {
    const h = 1e-5;
    const up = Float64Array.from(rho);
    const down = Float64Array.from(rho);
    up[i] = up[i]! + h;
    down[i] = down[i]! - h;
    const fd = (negLogPosterior(up, scratch) - negLogPosterior(down, scratch)) / (2 * h);
    close(grad[i]!, fd, 1e-5 * Math.max(1, Math.abs(fd)));
  }
});
