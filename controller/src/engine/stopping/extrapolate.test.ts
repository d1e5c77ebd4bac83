import { test } from "node:test";
import assert from "node:assert/strict";
import { createFitCache, createShownBound, fitDecay, optimistic, pooledNoise, predicted, type DecayFit } from "./extrapolate.ts";
import { emptyCurve, setPoint } from "./curve.ts";

const steps = [1, 2, 3, 4];
// τ = 0.2·1.15^17 ≈ 2.15 lies on the fit's grid, so this curve is fitted exactly.
const tau = 0.2 * 1.15 ** 17;
const slowStarter = steps.map((s) => 0.1 + 2 * Math.exp(-(s - 1) / tau));

test("an exact exponential decay extrapolates to its floor", () => {
  const fit = fitDecay(steps, slowStarter);
  assert.ok(fit);
  assert.ok((fit.sse[fit.best] ?? 1) < 1e-20);
  assert.ok(Math.abs(predicted(fit, 27) - (0.1 + 2 * Math.exp(-26 / tau))) < 1e-9, "0.1 + 2·e^(−26/τ) ≈ 0.10001");
  assert.equal(optimistic(fit, 0, 27), predicted(fit, 27), "no noise: no room for hope");
  assert.ok(optimistic(fit, 0.05, 27) < predicted(fit, 27), "noise admits slower decays that end lower");
});

test("a flat or worsening curve is fitted flat, at its mean", () => {
  assert.equal(predicted(fitDecay([1, 2, 3, 4], [0.5, 0.5, 0.5, 0.5]) as DecayFit, 27), 0.5);
  const rising = fitDecay([1, 2, 3], [1, 2, 3]) as DecayFit;
  assert.equal(predicted(rising, 27), 2);
  assert.equal(rising.sse[rising.best], 2, "(1−2)² + 0 + (3−2)²");
});

test("time constants beyond the observed span are not tried, so a straight line does not extrapolate forever", () => {
  const fit = fitDecay(steps, [1.0, 0.9, 0.8, 0.7]) as DecayFit;
  assert.ok(fit.sse.length < 48 && 0.2 * 1.15 ** (fit.sse.length - 1) <= 4 && 0.2 * 1.15 ** fit.sse.length > 4, "τ ≤ span of 4 steps");
  const p = predicted(fit, 27);
  assert.ok(p > 0.4 && p < 0.7, `at most ~τ·slope below the last value, got ${p}`);
});

test("fewer than 3 points cannot be fitted; noise pools the residuals of fits with points to spare", () => {
  assert.equal(fitDecay([1, 2], [1, 0.5]), undefined);
  const fit = (points: number, sse: number): DecayFit => ({ points, s0: 1, sse: [sse], c: [0], a: [0], best: 0 });
  assert.equal(pooledNoise([fit(4, 0.01), fit(5, 0.02), fit(3, 5)]), Math.sqrt(0.03 / 3), "(0.01 + 0.02)/(1 + 2 dof); 3 points have none");
  assert.equal(pooledNoise([fit(3, 1)]), 0);
});

test("the fit cache reuses a prefix's fit, whatever the horizon, until a point in the prefix changes", () => {
  const curve = emptyCurve();
  steps.forEach((s, i) => setPoint(curve, s, slowStarter[i] ?? 0));
  const fitOf = createFitCache(1);
  const first = fitOf(curve, 3);
  assert.ok(first);
  setPoint(curve, 5, 0.1);
  assert.equal(fitOf(curve, 3), first, "a point past the prefix does not invalidate it");
  setPoint(curve, 2, 5);
  const refitted = fitOf(curve, 3);
  assert.notEqual(refitted, first, "a step reported again inside the prefix does");
  assert.deepEqual(refitted, fitDecay([1, 2, 3], [slowStarter[0] ?? 0, 5, slowStarter[2] ?? 0]));
});

test("the shown bound is the best value of any curve, kept up to date through appends and edits", () => {
  const a = emptyCurve();
  const b = emptyCurve();
  setPoint(a, 1, 0.5);
  setPoint(b, 1, 0.7);
  const bound = createShownBound(1);
  assert.equal(bound([a, b]), 0.5);
  setPoint(b, 2, 0.3);
  assert.equal(bound([a, b]), 0.3, "an appended point");
  setPoint(b, 2, 0.6);
  assert.equal(bound([a, b]), 0.5, "a step reported again replaces its value");
  assert.equal(createShownBound(-1)([a, b]), -0.7, "maximize: values times −1");
  assert.equal(bound([]), Infinity);
});

test("predictions never go past the bound: a steep straight drop is not extrapolated below what was shown", () => {
  const fit = fitDecay([1, 2, 3, 4], [0.4, 0.3, 0.2, 0.1]) as DecayFit;
  assert.ok(predicted(fit, 27) < 0, "unbounded, the decay's floor is below 0");
  assert.equal(predicted(fit, 27, 0.1), 0.1);
  assert.equal(optimistic(fit, 0.05, 27, 0.1), 0.1);
  assert.equal(predicted(fitDecay([1, 2, 3], [0.5, 0.5, 0.5]) as DecayFit, 27, 0.1), 0.5, "a bound below the prediction changes nothing");
});
