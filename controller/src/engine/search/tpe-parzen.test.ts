import { test } from "node:test";
import assert from "node:assert/strict";
import { Parameters } from "../../api/parameters.ts";
import { createRng } from "./rng.ts";
import { createSpace } from "./space.ts";
import { buildParzen, logDensity, observationWeights, sampleInto } from "./tpe-parzen.ts";

test("observation weights: flat for 24, a ramp from 1/n below the newest 25", () => {
  assert.deepEqual(observationWeights(3), [1, 1, 1]);
  const w = observationWeights(30);
  assert.equal(w.length, 30);
  assert.ok(Math.abs((w[0] as number) - 1 / 30) < 1e-12 && w[4] === 1 && w.slice(5).every((x) => x === 1));
});

const space = createSpace(Parameters.parse([
  { name: "x", type: "double", min: 0, max: 1 },
  { name: "k", type: "int", min: 1, max: 4 },
  { name: "c", type: "categorical", values: ["a", "b"] },
]));

test("parzen: neighbour bandwidths clipped below by 1/min(100, n + 2), a N(0.5, 1) prior, Optuna's categorical smoothing", () => {
  const points = [[0.2, 0.125, 0.25], [0.5, 0.375, 0.25], [0.9, 0.875, 0.75]];
  const est = buildParzen(space, [0, 1, 2], points, { priorWeight: 1 });
  assert.deepEqual(est.sigmas.map((s) => Math.round((s[0] as number) * 1e9) / 1e9), [0.3, 0.4, 0.4, 1]);
  assert.deepEqual(est.mus.map((m) => m[0]), [0.2, 0.5, 0.9, 0.5]);
  assert.deepEqual(est.logWeights.map((w) => Math.exp(w)), [0.25, 0.25, 0.25, 0.25]);
  assert.deepEqual(est.logProbs[0]?.[2]?.map((l) => Math.round(Math.exp(l) * 1e6) / 1e6), [0.833333, 0.166667], "1 + 1/4 on a, 1/4 on b, normalized by 1.5");
  assert.deepEqual(est.logProbs[3]?.[2]?.map((l) => Math.exp(l)), [0.5, 0.5]);
  const crowded = buildParzen(space, [0], Array.from({ length: 8 }, () => [0.5, 0.5, 0.5]), { priorWeight: 1 });
  assert.equal(crowded.sigmas[0]?.[0], 0.1, "identical points get the floor 1/(8 + 2)");
});

test("parzen: the density concentrates on the observations, and draws follow it", () => {
  const est = buildParzen(space, [0], [[0.1, 0.5, 0.5], [0.12, 0.5, 0.5], [0.15, 0.5, 0.5]], { priorWeight: 1 });
  assert.ok(logDensity(space, est, [0.12, 0, 0]) > logDensity(space, est, [0.8, 0, 0]) + 2);
  const rng = createRng(1, 2);
  const near = Array.from({ length: 200 }, () => {
    const x = [0.5, 0.5, 0.5];
    sampleInto(space, est, rng, x);
    assert.deepEqual(x.slice(1), [0.5, 0.5], "only the group's coordinates are written");
    return x[0] as number;
  }).filter((v) => v < 0.3).length;
  // Kernels of width 0.2 (the floor 1/5) hold ≈ 3/4 of their mass below 0.3, the prior ≈ 0.3: ≈ 0.64 in all, uniform would be 0.3.
  assert.ok(near > 100, `${near} of 200 draws near the observations`);
  const empty = buildParzen(space, [0, 2], [], { priorWeight: 0 });
  assert.deepEqual(empty.logWeights, [0], "no observations: the prior alone, whatever its weight");
});
