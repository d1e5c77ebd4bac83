import { test } from "node:test";
import assert from "node:assert/strict";
import { crowdingDistances, dominates, nondominatedRanks, paretoIndices } from "./pareto.ts";

test("dominance needs no worse everywhere and strictly better somewhere", () => {
  assert.equal(dominates([1, 2], [2, 2]), true);
  assert.equal(dominates([1, 2], [1, 2]), false);
  assert.equal(dominates([1, 3], [2, 2]), false);
  assert.equal(dominates([0, 0, 0], [0, 0, 1]), true);
});

test("non-dominated sorting peels fronts in order", () => {
  const points = [[1, 4], [2, 2], [4, 1], [3, 3], [4, 4], [2, 5], [5, 5]];
  assert.deepEqual(nondominatedRanks(points), [0, 0, 0, 1, 2, 1, 3]);
  assert.deepEqual(paretoIndices(points), [0, 1, 2]);
  assert.deepEqual(nondominatedRanks([[1, 1], [1, 1]]), [0, 0], "equal points do not dominate each other");
  assert.deepEqual(nondominatedRanks([]), []);
});

test("crowding distance: extremes are infinite, inner points sum normalized neighbour gaps", () => {
  const d = crowdingDistances([[0, 4], [1, 2], [2, 1], [4, 0]]);
  assert.equal(d[0], Infinity);
  assert.equal(d[3], Infinity);
  // point 1: (2-0)/4 + (4-1)/4 = 1.25; point 2: (4-1)/4 + (2-0)/4 = 1.25
  assert.equal(d[1], 1.25);
  assert.equal(d[2], 1.25);
});
