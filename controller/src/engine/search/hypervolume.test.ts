import { test } from "node:test";
import assert from "node:assert/strict";
import { hypervolume, hypervolumeContributions } from "./hypervolume.ts";
import { createRng } from "./rng.ts";

/** Exact hypervolume by inclusion–exclusion over all subsets: independent of the sweep, fine for a few points. */
function inclusionExclusion(points: number[][], ref: number[]): number {
  const inside = points.filter((p) => p.every((x, j) => x < ref[j]!));
  let total = 0;
  for (let mask = 1; mask < 1 << inside.length; mask++) {
    const members = inside.filter((_, i) => mask & (1 << i));
    const corner = ref.map((_, j) => Math.max(...members.map((p) => p[j]!)));
    const volume = corner.reduce((v, c, j) => v * (ref[j]! - c), 1);
    total += (members.length % 2 === 1 ? 1 : -1) * volume;
  }
  return total;
}

test("2-D: a staircase of three points, hand-computed", () => {
  // (4-1)(4-3) + (4-2)(3-2) + (4-3)(2-1) = 3 + 2 + 1
  assert.equal(hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4]), 6);
  assert.equal(hypervolume([[3, 1], [1, 3], [2, 2], [2.5, 2.5]], [4, 4]), 6, "order and a dominated point do not matter");
  assert.equal(hypervolume([[0, 0]], [1, 2]), 2);
});

test("3-D and 4-D: hand-computed by inclusion–exclusion", () => {
  // Boxes 6, 6, 3; pairwise overlaps 4, 1, 1; triple overlap 1: 6 + 6 + 3 - 4 - 1 - 1 + 1 = 10.
  assert.equal(hypervolume([[1, 2, 3], [2, 1, 3], [3, 3, 1]], [4, 4, 4]), 10);
  // Boxes 2 and 2 overlapping in 1.
  assert.equal(hypervolume([[1, 2, 2, 2], [2, 1, 2, 2]], [3, 3, 3, 3]), 3);
  assert.equal(hypervolume([[0, 0, 0, 0]], [1, 2, 3, 4]), 24);
});

test("points that do not strictly dominate the reference add nothing; empty sets have zero volume", () => {
  assert.equal(hypervolume([[1, 5], [5, 1], [4, 0]], [4, 4]), 0);
  assert.equal(hypervolume([[1, 1], [5, 0]], [4, 4]), 9);
  assert.equal(hypervolume([], [1, 1, 1]), 0);
});

test("random sets in 2, 3 and 4 dimensions agree with inclusion–exclusion", () => {
  for (const d of [2, 3, 4]) {
    for (let trial = 0; trial < 25; trial++) {
      const rng = createRng(d, trial);
      const points = Array.from({ length: 1 + rng.int(8) }, () => Array.from({ length: d }, () => Math.round(rng.next() * 20) / 10));
      const ref = new Array<number>(d).fill(2.1);
      const got = hypervolume(points, ref);
      const want = inclusionExclusion(points, ref);
      assert.ok(Math.abs(got - want) < 1e-9 * Math.max(1, want), `d=${d} trial ${trial}: ${got} vs ${want}`);
    }
  }
});

test("contributions are the volume each point alone adds", () => {
  assert.deepEqual(hypervolumeContributions([[1, 3], [2, 2], [3, 1], [3, 3]], [4, 4]), [1, 1, 1, 0]);
});

test("malformed input is refused with what was wrong", () => {
  assert.throws(() => hypervolume([[1, 2, 3]], [4, 4]), /point 0 has 3 coordinates, the reference 2/);
  assert.throws(() => hypervolume([[1, Number.NaN]], [4, 4]), /point 0 is not finite/);
  assert.throws(() => hypervolume([[1, 1]], [4, Infinity]), /reference point must be finite/);
});
