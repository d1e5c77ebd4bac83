import { test } from "node:test";
import assert from "node:assert/strict";
import { createSobol, SOBOL_MAX_DIMENSIONS } from "./sobol.ts";

test("unscrambled Sobol starts with the textbook points", () => {
  const s = createSobol(3, 0, false);
  assert.deepEqual([0, 1, 2, 3].map((i) => s.point(i)), [[0, 0, 0], [0.5, 0.5, 0.5], [0.75, 0.25, 0.25], [0.25, 0.75, 0.75]]);
});

/** Whether the first 2^m points put exactly one point in each interval [k/2^m, (k+1)/2^m) of every dimension. */
function stratified(points: number[][], m: number): boolean {
  const n = 2 ** m;
  const d = points[0]?.length ?? 0;
  for (let j = 0; j < d; j++) {
    const cells = new Set(points.map((p) => Math.floor((p[j] ?? 0) * n)));
    if (cells.size !== n) return false;
  }
  return true;
}

test(`scrambled Sobol keeps one point per stratum in all ${SOBOL_MAX_DIMENSIONS} dimensions`, () => {
  for (const seed of [1, 2, 3]) {
    const s = createSobol(SOBOL_MAX_DIMENSIONS, seed, true);
    const pts = Array.from({ length: 64 }, (_, i) => s.point(i));
    assert.ok(stratified(pts, 6), `seed ${seed}`);
    assert.ok(pts.every((p) => p.every((x) => x >= 0 && x < 1)));
  }
});

test("2-D projections of the first 256 points of dimensions 1-2 form a (0,m,2)-net", () => {
  const pts = Array.from({ length: 256 }, (_, i) => createSobol(2, 9, true).point(i));
  // Every elementary box of area 1/256 (2^a × 2^(8-a) grid) holds exactly one point.
  for (let a = 0; a <= 8; a++) {
    const cells = new Set(pts.map((p) => `${Math.floor((p[0] ?? 0) * 2 ** a)},${Math.floor((p[1] ?? 0) * 2 ** (8 - a))}`));
    assert.equal(cells.size, 256, `boxes 2^${a} × 2^${8 - a}`);
  }
});

test("different seeds give different scrambles; the same seed the same points", () => {
  assert.notDeepEqual(createSobol(4, 1, true).point(5), createSobol(4, 2, true).point(5));
  assert.deepEqual(createSobol(4, 1, true).point(5), createSobol(4, 1, true).point(5));
});

test("dimensions beyond the table fall back to seeded uniform draws", () => {
  const p = createSobol(SOBOL_MAX_DIMENSIONS + 3, 1, true).point(7);
  assert.equal(p.length, SOBOL_MAX_DIMENSIONS + 3);
  assert.ok(p.every((x) => x >= 0 && x < 1));
});
