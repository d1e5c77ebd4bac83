import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../rng.ts";
import { logNormalCdf } from "./constraints.ts";
import { normalCdf } from "./normal.ts";
import { AUGMENTATION, scalarize, scalarizedMoments, simplexWeights, type Scalarization } from "./scalarize.ts";

test("simplex weights are positive, sum to 1 and are reproducible from the stream", () => {
  const a = simplexWeights(3, createRng(1, 2));
  assert.equal(a.length, 3);
  assert.ok(a.every((w) => w > 0));
  assert.ok(Math.abs(a.reduce((s, w) => s + w, 0) - 1) < 1e-12);
  assert.deepEqual(simplexWeights(3, createRng(1, 2)), a);
  assert.notDeepEqual(simplexWeights(3, createRng(1, 3)), a);
});

test("augmented Chebyshev of normalized targets, hand-computed", () => {
  const sc: Scalarization = { lo: [0, 10], span: [2, 10], weights: [0.25, 0.75] };
  // ŷ = (0.5, 0.2); λ·ŷ = (0.125, 0.15); max 0.15 + 0.05 · 0.275
  assert.ok(Math.abs(scalarize(sc, [1, 12]) - (0.15 + AUGMENTATION * 0.275)) < 1e-12);
});

test("moment matching of the scalarization agrees with Monte Carlo", () => {
  const sc: Scalarization = { lo: [0, 0, 0], span: [1, 2, 1], weights: [0.5, 0.3, 0.2] };
  const means = [0.4, 1.2, 0.9];
  const sds = [0.2, 0.5, 0.3];
  const rng = createRng(42);
  let s1 = 0;
  let s2 = 0;
  const N = 200_000;
  for (let i = 0; i < N; i++) {
    const v = scalarize(sc, means.map((m, k) => m + sds[k]! * rng.normal()));
    s1 += v;
    s2 += v * v;
  }
  const mean = s1 / N;
  const sd = Math.sqrt(s2 / N - mean * mean);
  const got = scalarizedMoments(sc, means, sds, { mean: 0, sd: 0 });
  assert.ok(Math.abs(got.mean - mean) < 0.01, `mean ${got.mean} vs Monte Carlo ${mean}`);
  assert.ok(Math.abs(got.sd - sd) / sd < 0.1, `sd ${got.sd} vs Monte Carlo ${sd}`);
  const exact = scalarizedMoments(sc, means, [0, 0, 0], { mean: 0, sd: 0 });
  assert.ok(Math.abs(exact.mean - scalarize(sc, means)) < 1e-12 && exact.sd === 0, "without uncertainty it is the scalarization itself");
});

test("log Φ stays finite and accurate in the far lower tail", () => {
  assert.ok(Math.abs(logNormalCdf(0) - Math.log(0.5)) < 1e-12);
  assert.ok(Math.abs(logNormalCdf(-3) - Math.log(normalCdf(-3))) < 1e-9);
  // log Φ(-40) ≈ -800 - log(40·√(2π)) - small correction
  const far = logNormalCdf(-40);
  assert.ok(Number.isFinite(far) && Math.abs(far - (-800 - Math.log(40 * Math.sqrt(2 * Math.PI)))) < 1e-2, `log Φ(-40) = ${far}`);
  assert.ok(logNormalCdf(5) < 0 && logNormalCdf(5) > -1e-6);
});
