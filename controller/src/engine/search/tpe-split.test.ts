import { test } from "node:test";
import assert from "node:assert/strict";
import { splitObservations } from "./tpe-split.ts";
import type { Observation } from "./types.ts";

const obs = (value: number | null, extra: Partial<Observation> = {}): Observation => ({ params: {}, value, ...extra });

test("one objective: the lowest values go below, ties by told order; failures go nowhere", () => {
  const o = [obs(3), obs(1), obs(null), obs(1), obs(2)];
  assert.deepEqual(splitObservations(o, () => 2), { below: [1, 3], above: [0, 4] });
  assert.deepEqual(splitObservations(o, (n) => n), { below: [0, 1, 3, 4], above: [] });
  assert.deepEqual(splitObservations(o, () => 0), { below: [], above: [0, 1, 3, 4] });
});

test("several objectives: whole non-domination ranks first, the cut rank by hypervolume contribution", () => {
  const v = (a: number, b: number): Observation => obs(a, { values: [a, b] });
  // Front: (0,10) (1,1) (10,0) (1.1,1.1)? no — (1.1,1.1) is dominated by (1,1).
  const o = [v(5, 5), v(0, 10), v(1, 1), v(10, 0), v(1.1, 1.1), v(6, 6)];
  assert.deepEqual(splitObservations(o, () => 3).below, [1, 2, 3]);
  // Two of the three front points: the middle one (1,1) adds most, then an extreme.
  const two = splitObservations(o, () => 2).below;
  assert.ok(two.includes(2), `the knee (1,1) is kept: ${two}`);
  assert.deepEqual(splitObservations(o, () => 4).below, [1, 2, 3, 4], "rank 1 follows rank 0");
});

test("constraints: feasible first by objective; then infeasible by increasing violation", () => {
  const o = [obs(1, { violation: 3 }), obs(5, { violation: 0 }), obs(0, { violation: 1 }), obs(4, { violation: 0 }), obs(2, { violation: Infinity })];
  assert.deepEqual(splitObservations(o, () => 1), { below: [3], above: [0, 1, 2, 4] });
  assert.deepEqual(splitObservations(o, () => 3).below, [1, 2, 3]);
  assert.deepEqual(splitObservations(o, () => 4).below, [0, 1, 2, 3]);
});
