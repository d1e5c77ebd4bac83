import { test } from "node:test";
import assert from "node:assert/strict";
import { conditioningSet } from "./conditioning.ts";

const values = (n: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);

test("up to the cap every observation is used", () => {
  assert.deepEqual(conditioningSet(values(20), 20), Array.from({ length: 20 }, (_, i) => i));
});

test("beyond the cap the set stays within the cap, keeps the best points and the newest epoch", () => {
  const v = values(150);
  for (const n of [41, 50, 51, 77, 150]) {
    const set = conditioningSet(v.slice(0, n), 40);
    assert.ok(set.length <= 40, `${set.length} points at n = ${n}`);
    assert.equal(new Set(set).size, set.length);
    assert.deepEqual(set, [...set].sort((a, b) => a - b));
    assert.ok(set.includes(n - 1), "the newest observation is used");
  }
  const set = conditioningSet(v.slice(0, 45), 40);
  const best = [...Array(40).keys()].sort((a, b) => v[a]! - v[b]!).slice(0, 15);
  for (const i of best) assert.ok(set.includes(i), `best observation ${i} is kept`);
});

test("inside an epoch the set only grows at its end, so factorizations can be extended", () => {
  const v = values(100);
  for (let n = 41; n < 100; n++) {
    const before = conditioningSet(v.slice(0, n), 40);
    const after = conditioningSet(v.slice(0, n + 1), 40);
    const sameEpoch = Math.floor((n - 41) / 10) === Math.floor((n - 40) / 10);
    if (sameEpoch) assert.deepEqual(after.slice(0, before.length), before, `n = ${n}`);
  }
});
