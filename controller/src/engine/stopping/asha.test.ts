import { test } from "node:test";
import assert from "node:assert/strict";
import { createStopper } from "./stopper.ts";
import { bracketOf, rungsOf } from "./asha.ts";
import type { Decision } from "./types.ts";

type Call = [trial: string, step: number, value: number];
const asha = (direction: "minimize" | "maximize" = "minimize", settings: object = { minResource: 1, reductionFactor: 3, maxResource: 9, rankBy: "value" }) =>
  createStopper({ algorithm: { name: "asha", settings }, direction, metric: "val_loss" }, []);
const actions = (decisions: Decision[]) => decisions.map((d) => d.action);

// The rung at step 1 fills in this order; ⌊n/3⌋ values continue: n=1,2 → none judged; n=3,4,5 → best 1; n=6 → best 2.
const rung1: Call[] = [["a", 1, 0.5], ["b", 1, 0.4], ["c", 1, 0.6], ["d", 1, 0.3], ["e", 1, 0.45], ["f", 1, 0.35]];

test("rungs are at minResource·η^k below maxResource", () => {
  assert.deepEqual(rungsOf({ minResource: 1, reductionFactor: 3, maxResource: 9 }, 0, 100), [1, 3]);
  assert.deepEqual(rungsOf({ minResource: 2, reductionFactor: 2, maxResource: undefined }, 0, 40), [2, 4, 8, 16, 32]);
  assert.deepEqual(rungsOf({ minResource: 1, reductionFactor: 3, maxResource: 100 }, 2, 100), [9, 27, 81]);
});

test("a trial continues only if it is in the top ⌊n/η⌋ of the values recorded at the rung", () => {
  const st = asha();
  assert.deepEqual(actions(rung1.map(([t, s, v]) => st.report(t, s, v))), ["continue", "continue", "stop", "continue", "stop", "continue"]);
  const h = st.history();
  assert.deepEqual(h.filter((x) => x.state === "stopped").map((x) => x.trial), ["c", "e"]);
});

test("the stop reason names the rule, value, rung, cutoff and counts", () => {
  const st = asha();
  const out = rung1.map(([t, s, v]) => st.report(t, s, v));
  assert.deepEqual(out[2], { action: "stop", reason: "asha: val_loss 0.6 at step 1 is not in the top 1/3 of the rung at step 1 (cutoff 0.4, best 1 of 3 continue)" });
  assert.deepEqual(out[4], { action: "stop", reason: "asha: val_loss 0.45 at step 1 is not in the top 1/3 of the rung at step 1 (cutoff 0.3, best 1 of 5 continue)" });
});

test("a tie with the cutoff continues; stopped trials' rung values keep counting", () => {
  const st = asha();
  rung1.forEach(([t, s, v]) => st.report(t, s, v));
  // Rung 1 now holds 6 values (c and e included) → best 2 continue; cutoff 0.35.
  assert.deepEqual(st.report("g", 1, 0.35), { action: "continue" }, "7 values, best 2: cutoff 0.35, tie continues");
  assert.equal(st.report("h", 1, 0.36).action, "stop");
});

test("judges the next rung on the values recorded there", () => {
  const st = asha();
  rung1.forEach(([t, s, v]) => st.report(t, s, v));
  const calls: Call[] = [["a", 2, 0.45], ["a", 3, 0.42], ["b", 3, 0.3], ["d", 3, 0.28], ["f", 3, 0.33]];
  const out = calls.map(([t, s, v]) => st.report(t, s, v));
  assert.deepEqual(actions(out), ["continue", "continue", "continue", "continue", "stop"]);
  assert.deepEqual(out[4], { action: "stop", reason: "asha: val_loss 0.33 at step 3 is not in the top 1/3 of the rung at step 3 (cutoff 0.28, best 1 of 4 continue)" });
  assert.deepEqual(st.report("d", 8, 0.2), { action: "continue" });
  assert.deepEqual(st.report("d", 9, 0.9), { action: "continue" }, "no rung at maxResource: the trial is done anyway");
});

test("maximize mirrors minimize", () => {
  const min = asha("minimize");
  const max = asha("maximize");
  const calls: Call[] = [...rung1, ["a", 3, 0.42], ["b", 3, 0.3], ["d", 3, 0.28], ["f", 3, 0.33]];
  const a = calls.map(([t, s, v]) => min.report(t, s, v));
  const b = calls.map(([t, s, v]) => max.report(t, s, -v));
  assert.deepEqual(actions(b), actions(a));
  const last = b.at(-1);
  assert.match(last?.action === "stop" ? last.reason : "", /val_loss -0\.33 at step 3 .* \(cutoff -0\.28, best 1 of 4 continue\)/);
});

test("a trial that skips steps is judged at every rung it crosses, lowest first, on its value when it got there", () => {
  const st = asha();
  rung1.forEach(([t, s, v]) => st.report(t, s, v));
  ["a", "b", "d", "f"].forEach((t, i) => st.report(t, 3, [0.42, 0.3, 0.28, 0.33][i] ?? 0));
  // g's first report is at step 4: it is recorded at rung 1 and rung 3 with 0.2 and passes both.
  assert.deepEqual(st.report("g", 4, 0.2), { action: "continue" });
  // h's first report at step 5 (0.5) fails rung 1: 8 values, best 2, cutoff 0.3.
  const d = st.report("h", 5, 0.5);
  assert.match(d.action === "stop" ? d.reason : "", /at step 5 is not in the top 1\/3 of the rung at step 1 \(cutoff 0\.3, best 2 of 8 continue\)/);
  // Rung 3 now holds a, b, d, f, g (0.2, from step 4) and the stopped h (0.5, from step 5): i makes 7 → best 2.
  st.report("i", 1, 0.1);
  assert.deepEqual(st.report("i", 3, 0.25), { action: "continue" });
  const j = st.report("j", 3, 0.26);
  assert.match(j.action === "stop" ? j.reason : "", /rung at step 3 \(cutoff 0\.25, best 2 of 8 continue\)$/);
});

test("a duplicate report at a rung step replaces the value and is judged again", () => {
  const st = asha();
  rung1.slice(0, 2).forEach(([t, s, v]) => st.report(t, s, v));
  assert.deepEqual(st.report("x", 1, 0.1), { action: "continue" });
  assert.equal(st.report("x", 1, 0.9).action, "stop", "the rung now holds 0.5, 0.4, 0.9: cutoff 0.4");
  assert.deepEqual(st.history().find((h) => h.trial === "x")?.curve, [{ step: 1, value: 0.9 }]);
});

test("steps between rungs are not judged", () => {
  const st = asha();
  rung1.forEach(([t, s, v]) => st.report(t, s, v));
  assert.deepEqual(st.report("a", 2, 99), { action: "continue" });
});

test("failed trials' values leave the rungs", () => {
  const st = asha();
  st.report("a", 1, 0.5);
  st.report("b", 1, 0.4);
  st.fail("b");
  assert.deepEqual(st.report("c", 1, 0.6), { action: "continue" }, "2 values (a, c): too few to judge");
  assert.equal(st.report("d", 1, 0.7).action, "stop");
});

test("hyperband brackets keep separate rungs that start at minResource·η^b", () => {
  const names = Array.from({ length: 40 }, (_, i) => `trial-${i}`);
  const b0 = names.filter((n) => bracketOf(n, 2) === 0);
  const b1 = names.filter((n) => bracketOf(n, 2) === 1);
  assert.ok(b0.length >= 3 && b1.length >= 3, "names spread over both brackets");
  const st = asha("minimize", { minResource: 1, reductionFactor: 3, maxResource: 27, brackets: 2, rankBy: "value" });
  const [p, q, r] = b0 as [string, string, string];
  const [u, v, w] = b1 as [string, string, string];
  st.report(p, 1, 0.1);
  st.report(q, 1, 0.2);
  // Bracket 1 has no rung at step 1, and bracket 0's values are not its business.
  assert.deepEqual(st.report(u, 1, 0.9), { action: "continue" });
  const third = st.report(r, 1, 0.3);
  assert.match(third.action === "stop" ? third.reason : "", /rung at step 1 in bracket 0 \(cutoff 0\.1, best 1 of 3 continue\)$/);
  st.report(u, 3, 0.5);
  st.report(v, 3, 0.4);
  const last = st.report(w, 3, 0.6);
  assert.match(last.action === "stop" ? last.reason : "", /rung at step 3 in bracket 1 \(cutoff 0\.4, best 1 of 3 continue\)$/);
});

// Rung at step 4 (the default grace period for 27 steps). c is a slow starter: its exact decay 0.1 + 2·e^(−(s−1)/2.15)
// extrapolates to 0.1 at step 27, though at step 4 it is the worst of the three.
const tau = 0.2 * 1.15 ** 17;
const rung4: Record<string, number[]> = {
  a: [1.0, 0.5, 0.4, 0.4],
  b: [1.0, 0.6, 0.5, 0.5],
  c: [1, 2, 3, 4].map((s) => 0.1 + 2 * Math.exp(-(s - 1) / tau)),
  d: [1.0, 0.6, 0.45, 0.45],
};
const fourth = (rankBy: string) => {
  const st = asha("minimize", { maxResource: 27, rankBy });
  const out: Record<string, Decision> = {};
  for (const [trial, values] of Object.entries(rung4)) values.forEach((v, i) => (out[trial] = st.report(trial, i + 1, v)));
  return out;
};

test("rankBy prediction keeps a slow starter whose curve extrapolates below the plateaued ones", () => {
  const out = fourth("prediction");
  assert.deepEqual(actions([out.a, out.b, out.c] as Decision[]), ["continue", "continue", "continue"], "c's 0.1 is the best of 3 extrapolations");
  assert.deepEqual(out.d, {
    action: "stop",
    // c's extrapolation (0.1) is bounded by the best value shown so far, a's 0.4: c ties a for the top and continues.
    reason: "asha: val_loss 0.45 at step 4 extrapolates to at best 0.4225 at step 27, which is not in the top 1/3 of the rung at step 4 (cutoff 0.4, best 1 of 4 continue)",
  });
});

test("rankBy value is the classic rung: the slow starter is cut on its value", () => {
  const out = fourth("value");
  assert.deepEqual(out.c, { action: "stop", reason: "asha: val_loss 0.5962 at step 4 is not in the top 1/3 of the rung at step 4 (cutoff 0.4, best 1 of 3 continue)" });
  assert.equal(out.d?.action, "stop");
});

test("extrapolations are bounded by the best value any curve has shown: a steep straight drop does not predict a negative loss", () => {
  // Straight drops fit a decay whose floor lies far below 0; unbounded, the rung's cutoff was -0.1281, below any loss.
  const st = asha("minimize", { maxResource: 27 });
  const drops: Record<string, number[]> = { a: [0.4, 0.3, 0.2, 0.1], b: [0.5, 0.4, 0.3, 0.2], c: [0.9, 0.85, 0.8, 0.78] };
  let last = { action: "continue" } as Decision;
  for (const [trial, values] of Object.entries(drops)) values.forEach((v, i) => (last = st.report(trial, i + 1, v)));
  assert.equal(last.action, "stop");
  const cutoff = Number(/cutoff (-?[\d.e-]+)/.exec(last.action === "stop" ? last.reason : "")?.[1]);
  assert.equal(cutoff, 0.1, "the cutoff is a's extrapolation, bounded by the best value shown (a's 0.1 at step 4)");
});

test("without maxResource nothing is judged until a trial completes; then its length stands in for maxResource", () => {
  const st = asha("minimize", { rankBy: "value" });
  // Six trials at step 1: with the old default (minResource 1) c and e were stopped here, on one epoch.
  assert.deepEqual(actions(rung1.map(([t, s, v]) => st.report(t, s, v))), ["continue", "continue", "continue", "continue", "continue", "continue"]);
  for (let s = 2; s <= 27; s++) st.report("a", s, 0.5 - s / 100);
  st.complete("a");
  // a ran 27 steps: rungs at 4 (maxResource/η², at least 4) and 12, as with maxResource: 27.
  for (const t of ["b", "d", "f"]) for (let s = 2; s <= 4; s++) st.report(t, s, 0.3);
  const late = [2, 3, 4].map((s) => st.report("g", s, 0.9));
  assert.deepEqual(actions(late), ["continue", "continue", "stop"]);
  assert.match(late[2]?.action === "stop" ? late[2].reason : "", /rung at step 4 \(cutoff 0\.3, best 1 of 5 continue\)$/);
  assert.equal(st.report("b", 26, 0.1).action, "continue", "no rung at 27 or beyond: the last step is never a rung");
});

test("without maxResource a minResource that is set is used from the start, as before", () => {
  const st = asha("minimize", { minResource: 1, rankBy: "value" });
  assert.deepEqual(actions(rung1.map(([t, s, v]) => st.report(t, s, v))), ["continue", "continue", "stop", "continue", "stop", "continue"]);
});
