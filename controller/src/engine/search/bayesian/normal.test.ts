import { test } from "node:test";
import assert from "node:assert/strict";
import { erfc, erfcx, logExpectedImprovement, logH, normalCdf, normalPdf } from "./normal.ts";

const rel = (a: number, b: number, tol: number): void => assert.ok(Math.abs(a - b) <= tol * Math.abs(b), `${a} ≉ ${b}`);

test("erfcx and erfc match reference values across the series/continued-fraction switch", () => {
  rel(erfcx(0), 1, 1e-15);
  rel(erfcx(1), 0.427583576155807, 1e-12);
  rel(erfcx(2), 0.255395676310506, 1e-11);
  rel(erfcx(10), 0.0561409927438226, 1e-12);
  // Asymptotically erfcx(x) ≈ 1/(x√π)·(1 - 1/(2x²)).
  rel(erfcx(1e4), (1 / (1e4 * Math.sqrt(Math.PI))) * (1 - 0.5e-8), 1e-12);
  rel(erfc(0.5), 0.479500122186953, 1e-12);
  rel(erfc(-1), 1.84270079294971, 1e-12);
  assert.ok(Math.abs(erfcx(2.5 - 1e-12) - erfcx(2.5)) < 1e-11, "continuous at the method switch");
});

test("normal pdf and cdf have their textbook values", () => {
  rel(normalPdf(0), 0.398942280401433, 1e-14);
  rel(normalCdf(1.96), 0.975002104851780, 1e-12);
  rel(normalCdf(-3), 0.00134989803163009, 1e-10);
});

test("logH agrees with the direct formula where that is accurate", () => {
  for (const z of [3, 1, 0, -0.5, -1, -1.5, -3, -8]) {
    const direct = Math.log(normalPdf(z) + z * normalCdf(z));
    rel(logH(z), direct, 1e-9);
  }
});

test("logH stays finite, monotone and asymptotically exact far in the left tail", () => {
  let previous = Infinity;
  for (const z of [-10, -30, -40, -100, -1e3, -1e6, -1e9, -1e12]) {
    const v = logH(z);
    assert.ok(Number.isFinite(v), `logH(${z}) = ${v}`);
    assert.ok(v < previous, `logH not decreasing at ${z}`);
    previous = v;
    if (z <= -100) rel(v, -0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - 2 * Math.log(-z), 1e-6);
  }
  // Where EI itself underflows to 0, its log still ranks points.
  assert.ok(logExpectedImprovement(50, 1, 0) > logExpectedImprovement(60, 1, 0));
});

test("logExpectedImprovement scales with sd and handles sd = 0", () => {
  rel(logExpectedImprovement(0, 2, 0), Math.log(2 * normalPdf(0)), 1e-12);
  assert.equal(logExpectedImprovement(1, 0, 2), 0);
  assert.equal(logExpectedImprovement(3, 0, 2), -Infinity);
});
