import { test } from "node:test";
import assert from "node:assert/strict";
import { createStopper } from "./stopper.ts";
import { median } from "./median.ts";
import type { TrialHistory } from "./types.ts";

const curve = (values: number[], from = 1) => values.map((value, i) => ({ step: from + i, value }));
const completed = (trial: string, values: number[]): TrialHistory => ({ trial, curve: curve(values), state: "completed" });

// Running averages up to step 2: c1 (1.0+0.8)/2 = 0.9, c2 (2.0+1.0)/2 = 1.5, c3 (0.9+0.7)/2 = 0.8 → median 0.9.
const three = [completed("c1", [1.0, 0.8, 0.6, 0.4]), completed("c2", [2.0, 1.0, 0.9, 0.8]), completed("c3", [0.9, 0.7, 0.5, 0.3])];
const median3 = (history = three, settings = {}) =>
  createStopper({ algorithm: { name: "median", settings: { minTrials: 3, startStep: 2, interval: 1, compare: "runningAverage", ...settings } }, direction: "minimize", metric: "val_loss" }, history);

test("median of an odd and an even count", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test("stops when the best value so far is worse than the median of running averages", () => {
  const st = median3();
  assert.deepEqual(st.report("x", 1, 1.2), { action: "continue" }, "step 1 is warm-up");
  assert.deepEqual(st.report("x", 2, 0.95), {
    action: "stop",
    reason: "median: best val_loss 0.95 by step 2 is above the median 0.9 of the running averages of 3 completed trials up to step 2",
  });
});

test("a best value equal to the median continues; the best so far counts, not the latest", () => {
  const st = median3();
  st.report("y", 1, 0.9);
  assert.deepEqual(st.report("y", 2, 1.4), { action: "continue" }, "best so far 0.9 equals the median 0.9");
  // Up to step 3 the averages are 0.8, 1.3, 0.7 → median 0.8; y's best is still 0.9.
  assert.equal(st.report("y", 3, 0.85).action, "stop");
});

test("the median is a true median: with four trials it is the mean of the middle two, not the mean of all", () => {
  // Averages up to step 2: 0.9, 1.5, 0.8, 1.0 → median 0.95 (their mean would be 1.05).
  const st = median3([...three, completed("c4", [1.0, 1.0, 1.0, 1.0])]);
  st.report("z", 1, 1.1);
  const d = st.report("z", 2, 0.97);
  assert.equal(d.action, "stop");
  assert.match(d.action === "stop" ? d.reason : "", /median 0\.95 of the running averages of 4 completed trials/);
});

test("maximize mirrors minimize", () => {
  const mirrored = three.map((h) => ({ ...h, curve: h.curve.map((p) => ({ step: p.step, value: 1 - p.value })) }));
  const st = createStopper({ algorithm: { name: "median", settings: { minTrials: 3, startStep: 2, compare: "runningAverage" } }, direction: "maximize", metric: "acc" }, mirrored);
  st.report("x", 1, 1 - 1.2);
  const d = st.report("x", 2, 1 - 0.95);
  assert.equal(d.action, "stop");
  assert.match(d.action === "stop" ? d.reason : "", /best acc 0\.05 by step 2 is below the median 0\.1 /);
  st.report("y", 1, 0.1);
  assert.deepEqual(st.report("y", 2, -0.4), { action: "continue" });
});

test("nothing stops before minTrials completed trials have a value at or before the step", () => {
  const st = median3(three.slice(0, 2));
  st.report("x", 1, 9);
  assert.deepEqual(st.report("x", 2, 9), { action: "continue" });
  // A completed trial whose curve starts after step 2 does not count at step 2.
  const late: TrialHistory = { trial: "late", curve: [{ step: 5, value: 0.1 }], state: "completed" };
  const st2 = median3([...three.slice(0, 2), late]);
  st2.report("x", 1, 9);
  assert.deepEqual(st2.report("x", 2, 9), { action: "continue" });
  assert.equal(st2.report("x", 5, 9).action, "stop");
});

test("running trials and stopped trials do not count towards the median", () => {
  const st = median3([...three.slice(0, 2), { trial: "r", curve: curve([0.1, 0.1]), state: "running" }, { trial: "s", curve: curve([0.1, 0.1]), state: "stopped" }]);
  st.report("x", 1, 9);
  assert.deepEqual(st.report("x", 2, 9), { action: "continue" });
  st.complete("r");
  assert.equal(st.report("x", 3, 9).action, "stop", "r counts once it has completed");
});

test("completed curves with missing steps average only what they reported up to the step", () => {
  // Up to step 2: g1 has only step 1 (1.0); g2 steps 1,2 (0.5, 0.3 → 0.4); g3 only step 2 (0.6) → median 0.6.
  const st = median3([
    { trial: "g1", curve: [{ step: 1, value: 1.0 }, { step: 3, value: 0.2 }], state: "completed" },
    completed("g2", [0.5, 0.3]),
    { trial: "g3", curve: [{ step: 2, value: 0.6 }], state: "completed" },
  ]);
  assert.deepEqual(st.report("a", 2, 0.6), { action: "continue" });
  const d = st.report("b", 2, 0.61);
  assert.match(d.action === "stop" ? d.reason : "", /median 0\.6 /);
});

test("a duplicate report replaces the value at that step and is judged again", () => {
  const st = median3();
  st.report("x", 1, 1.2);
  assert.deepEqual(st.report("x", 2, 0.85), { action: "continue" });
  assert.equal(st.report("x", 2, 0.95).action, "stop", "best of {1.2, 0.95} is above 0.9");
});

test("a duplicate report in a completed trial's curve replaces its value in the running average", () => {
  const st = median3([completed("c1", [1.0, 0.8]), completed("c2", [2.0, 1.0]), completed("c3", [0.9, 0.7])]);
  st.report("c3", 2, 1.1); // c3's average up to 2 becomes 1.0 → median of 0.9, 1.5, 1.0 is 1.0
  st.report("x", 1, 1.2);
  assert.deepEqual(st.report("x", 2, 0.95), { action: "continue" });
});

test("checks happen at startStep + k·interval, or at the first report past a skipped check step", () => {
  // Running averages of these curves: 1.0, 0.9, 0.8, 0.7, 0.6, 0.5333 at steps 1..6.
  const falling = [1, 2, 3].map((i) => completed(`c${i}`, [1.0, 0.8, 0.6, 0.4, 0.2, 0.2]));
  const st = median3(falling, { startStep: 2, interval: 3 }); // checks at 2, 5, 8
  assert.deepEqual(st.report("b", 2, 0.85), { action: "continue" }, "0.85 is below the median 0.9 at step 2");
  assert.deepEqual(st.report("b", 3, 0.85), { action: "continue" }, "no check at 3 (the median there is 0.8)");
  assert.deepEqual(st.report("b", 4, 0.85), { action: "continue" }, "no check at 4");
  assert.deepEqual(st.report("b", 5, 0.85), {
    action: "stop",
    reason: "median: best val_loss 0.85 by step 5 is above the median 0.6 of the running averages of 3 completed trials up to step 5",
  });
  st.report("e", 2, 0.85);
  const d = st.report("e", 6, 0.85);
  assert.match(d.action === "stop" ? d.reason : "", /by step 6 is above the median 0\.5333 /, "6 is the first report past the check at 5");
  st.report("a", 1, 0.95);
  assert.equal(st.report("a", 3, 0.95).action, "stop", "3 is the first report past the check at 2");
});

test("compare prediction: a trial stops when even its optimistic extrapolation is worse than the median of the others'", () => {
  // Five completed plateaus at 0.3 … 0.7; a slow starter whose exact decay 0.1 + 2·e^(−(s−1)/2.15) extrapolates to ~0.1.
  const plateau = (f: number) => curve([1.0, f + 0.1, f, f, f, f]);
  const history = [0.3, 0.4, 0.5, 0.6, 0.7].map((f, i): TrialHistory => ({ trial: `p${i}`, curve: plateau(f), state: "completed" }));
  const st = createStopper({ algorithm: { name: "median" }, direction: "minimize", metric: "val_loss" }, history);
  const tau = 0.2 * 1.15 ** 17;
  const slow = [1, 2, 3, 4].map((s) => st.report("slow", s, 0.1 + 2 * Math.exp(-(s - 1) / tau)));
  assert.deepEqual(slow.map((d) => d.action), ["continue", "continue", "continue", "continue"], "worse than the median plateau at step 4, but headed below it");
  const flat = [1.0, 0.7, 0.6, 0.6].map((v, i) => st.report("flat", i + 1, v));
  assert.deepEqual(flat.map((d) => d.action), ["continue", "continue", "continue", "stop"], "nothing is judged before startStep 4");
  assert.deepEqual(flat[3], {
    action: "stop",
    reason: "median: val_loss by step 4 extrapolates to at best 0.5783 at step 6, above the median 0.4384 of 6 other trials that reached step 4, judged the same way",
  });
});

test("compare prediction: extrapolations are bounded by the best value any curve has shown", () => {
  // Five completed trials that ended at 0.2; straight drops at step 4 fit decays whose floors lie below 0.
  const history = [0, 1, 2, 3, 4].map((i): TrialHistory => ({ trial: `p${i}`, curve: curve([0.8, 0.6, 0.4, 0.3, 0.25, 0.2]), state: "completed" }));
  const st = createStopper({ algorithm: { name: "median" }, direction: "minimize", metric: "val_loss" }, history);
  const steep = [0.5, 0.4, 0.3, 0.2].map((v, i) => st.report("steep", i + 1, v));
  assert.deepEqual(steep.map((d) => d.action), ["continue", "continue", "continue", "continue"]);
  const slow = [0.9, 0.88, 0.86, 0.84].map((v, i) => st.report("slow", i + 1, v));
  const d = slow[3];
  const med = Number(/the median (-?[\d.e-]+)/.exec(d?.action === "stop" ? d.reason : "")?.[1]);
  assert.equal(d?.action, "stop");
  assert.ok(med >= 0.2, `the median of bounded extrapolations is no better than the best shown (0.2), got ${med}`);
});
