import { test } from "node:test";
import assert from "node:assert/strict";
import { comparePaired, signedRank } from "./paired.ts";

test("signedRank: exact one-sided p-values match the textbook distribution", () => {
  // All 5 differences positive: only 1 of the 2^5 sign patterns is as extreme.
  const allUp = signedRank([1, 2, 3, 4, 5]);
  assert.equal(allUp.pGreater, 1 / 32);
  assert.equal(allUp.pLess, 1);
  // W+ = 1 + 2 = 3 of 15 for n = 5: P(W+ <= 3) = 5/32 (sums 0, 1, 2, 3, 3 = {}, {1}, {2}, {3}, {1,2}).
  assert.equal(signedRank([-5, -4, -3, 1, 2]).pLess, 5 / 32);
});

test("signedRank: zero differences are dropped and ties share their rank", () => {
  assert.deepEqual(signedRank([0, 0, 0]), { n: 0, pGreater: 1, pLess: 1 });
  const tied = signedRank([0, 1, -1, 1, 1]);
  assert.equal(tied.n, 4);
  // Four tied ranks of 2.5: W+ = 7.5 of 10; P(W+ >= 7.5) = patterns with at least 3 positives = 5/16.
  assert.equal(tied.pGreater, 5 / 16);
  assert.equal(tied.pGreater + tied.pLess - 1, 4 / 16, "the two tails overlap by P(W+ = observed) = C(4,3)/16");
});

test("comparePaired: ratio, counts and direction of a clear improvement; refuses unpaired inputs", () => {
  const before = Array.from({ length: 20 }, (_, i) => 1 + i);
  const after = before.map((b, i) => (i === 3 ? b * 2 : b / 4));
  const c = comparePaired(before, after);
  assert.equal(c.seeds, 20);
  assert.equal(c.better, 19);
  assert.equal(c.worse, 1);
  assert.ok(c.ratio < 0.3 && c.ratio > 0.25, `geometric mean ratio ${c.ratio}`);
  assert.ok(c.test.pLess < 1e-4, `p(better) ${c.test.pLess}`);
  assert.ok(c.test.pGreater > 0.99);
  assert.equal(comparePaired([0, 0], [0, 0]).ratio, 1, "regret 0 on both sides is a tie, not a division by zero");
  assert.throws(() => comparePaired([1, 2], [1]), /same seeds on both sides \(got 2 and 1\)/);
});
