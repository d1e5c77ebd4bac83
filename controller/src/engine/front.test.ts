import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_FRONT, paretoFront, type FrontCandidate } from "./front.ts";

const objectives = [
  { metric: "err", direction: "minimize" },
  { metric: "acc", direction: "maximize" },
] as const;
const trial = (index: number, values: number[], extra: Partial<FrontCandidate> = {}): FrontCandidate => ({ name: `t${index}`, index, params: { x: index }, phase: "Succeeded", values, ...extra });

test("the front is the feasible, non-dominated finished trials, in the objectives' directions, sorted by the first", () => {
  const trials = [
    trial(0, [0.3, 0.9]),
    trial(1, [0.1, 0.5]),
    trial(2, [0.3, 0.8]), // dominated by t0 (same err, lower acc)
    trial(3, [0.05, 0.99], { feasible: false }), // would dominate all
    trial(4, [0.2, 0.95], { phase: "Failed" }),
    trial(5, [0.2, 0.95], { phase: "Running" }),
    trial(6, [0.2, 0.7], { phase: "EarlyStopped" }),
    trial(7, [0.3, 0.9]), // equal to t0: neither dominates
  ];
  const front = paretoFront(trials, objectives);
  assert.deepEqual(front.members.map((m) => m.name), ["t1", "t6", "t0", "t7"]);
  assert.equal(front.size, 4);
  assert.deepEqual(front.members[0], { name: "t1", index: 1, params: { x: 1 }, values: [0.1, 0.5] });
});

test("a front wider than the bound keeps its extremes and thins the rest evenly", () => {
  // 100 points on the line acc = err, all non-dominated (a higher acc costs a higher err).
  const trials = Array.from({ length: 100 }, (_, i) => trial(i, [i / 99, i / 99]));
  const front = paretoFront(trials, objectives);
  assert.equal(front.size, 100);
  assert.equal(front.members.length, MAX_FRONT);
  assert.equal(MAX_FRONT, 32);
  assert.equal(front.members[0]?.name, "t0");
  assert.equal(front.members.at(-1)?.name, "t99");
  const errs = front.members.map((m) => m.values[0] as number);
  const gaps = errs.slice(1).map((e, i) => e - (errs[i] as number));
  assert.ok(Math.max(...gaps) < 0.1, `no gap wider than 0.1 on [0, 1] with 32 points (widest ${Math.max(...gaps)})`);
  assert.deepEqual(paretoFront(trials, objectives, 2).members.map((m) => m.name), ["t0", "t99"]);
});

test("trials without every value or with a non-finite one are not on the front", () => {
  const front = paretoFront([trial(0, [0.1]), trial(1, [0.2, Number.NaN]), trial(2, [0.5, 0.5])], objectives);
  assert.deepEqual(front.members.map((m) => m.name), ["t2"]);
});
