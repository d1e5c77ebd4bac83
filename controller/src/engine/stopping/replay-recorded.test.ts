import { test } from "node:test";
import assert from "node:assert/strict";
import { createStopper } from "./stopper.ts";
import { recordedStops, replayRecorded, stopStepOf, type RecordedTrial } from "./replay-recorded.ts";
import type { StopperConfigInput } from "./settings.ts";

const asha: StopperConfigInput = { algorithm: { name: "asha", settings: { minResource: 1, maxResource: 9, rankBy: "value" } }, direction: "minimize", metric: "loss" };
const points = (values: number[]) => values.map((value, i) => ({ step: i + 1, value }));

/**
 * Records a job the way a sequential local run does: trials one after another, each reporting its steps to
 * the stopper until it stops (plus `tail` more points recorded while it winds down), then completing.
 */
function record(curves: number[][], config: StopperConfigInput, tail = 0): RecordedTrial[] {
  const st = createStopper(config);
  return curves.map((values, i) => {
    const name = `t${i}`;
    const curve: { step: number; value: number }[] = [];
    let reason: string | undefined;
    let left = tail;
    for (const [k, value] of values.entries()) {
      curve.push({ step: k + 1, value });
      if (reason !== undefined) {
        if (left-- <= 0) break;
        st.record(name, k + 1, value, true);
        continue;
      }
      const d = st.report(name, k + 1, value);
      if (d.action === "stop") reason = d.reason;
    }
    if (reason === undefined) st.complete(name);
    // Times as a sequential run writes them: each trial after the last, in milliseconds.
    return { name, index: i, curve, outcome: reason === undefined ? "succeeded" : "earlyStopped", reason, value: Math.min(...curve.map((p) => p.value)), startedAt: 1000 * i, finishedAt: 1000 * i + 900 };
  });
}

const family = Array.from({ length: 12 }, (_, i) => Array.from({ length: 9 }, (_, s) => ((i * 7) % 12) / 10 + 1 / (s + 1)));

test("stop steps are read from the rules' reasons; the job's other stops are not the rule's", () => {
  assert.equal(stopStepOf("asha: loss 0.5 at step 3 is not in the top 1/3 of the rung at step 3 (cutoff 0.2, best 1 of 3 continue)"), 3);
  assert.equal(stopStepOf("asha: loss 0.5 at step 12 extrapolates to at best 0.4 at step 36, which is not in the top 1/3 of the rung at step 4 (cutoff 0.1, best 1 of 4 continue)"), 12);
  assert.equal(stopStepOf("median: best loss 0.85 by step 5 is above the median 0.6 of the running averages of 3 completed trials up to step 5"), 5);
  assert.equal(stopStepOf("diverged: loss is NaN at step 2"), 2);
  assert.equal(stopStepOf("the job ended: goal reached at step 4"), undefined);
  assert.equal(stopStepOf(undefined), undefined);
});

for (const tail of [0, 2]) {
  test(`a sequential recording (stopped trials reporting ${tail} more points) is replayed into the same decisions`, () => {
    const trials = record(family, asha, tail);
    const job = { direction: "minimize" as const, trials };
    const recorded = recordedStops(job);
    assert.ok(recorded.size >= 4);
    const replay = replayRecorded(job, asha);
    assert.deepEqual(new Map([...replay.stops].map(([t, d]) => [t, d.step])), recorded);
    for (const t of trials) if (t.reason !== undefined) assert.equal(replay.stops.get(t.name)?.reason, t.reason);
  });
}

test("without times, trials are replayed one after another in index order", () => {
  const trials = record(family, asha).map(({ startedAt, finishedAt, ...t }) => t);
  const job = { direction: "minimize" as const, trials: [...trials].reverse() };
  assert.deepEqual(new Map([...replayRecorded(job, asha).stops].map(([t, d]) => [t, d.step])), recordedStops(job));
});

test("a diverged trial's non-finite report, never stored in its curve, is put back at its step", () => {
  const trials: RecordedTrial[] = [
    { name: "a", index: 0, curve: points([1, 0.5, 0.4]), outcome: "succeeded", value: 0.4 },
    { name: "b", index: 1, curve: points([1, 0.9]), outcome: "earlyStopped", reason: "diverged: loss is NaN at step 3" },
  ];
  const r = replayRecorded({ direction: "minimize", trials }, asha);
  assert.deepEqual(r.stops.get("b"), { step: 3, reason: "diverged: loss is NaN at step 3" });
  assert.equal(replayRecorded({ direction: "minimize", trials }, { ...asha, algorithm: { name: "none" } }).stops.size, 0);
});

test("accounting: steps saved against full trials, the best trial kept or lost, truncated trials counted as censored", () => {
  const trials: RecordedTrial[] = [
    { name: "fast", index: 0, curve: points([0.2, 0.2, 0.2]), outcome: "succeeded", value: 0.2 },
    { name: "other", index: 1, curve: points([0.3, 0.3, 0.3]), outcome: "succeeded", value: 0.3 },
    { name: "cut", index: 2, curve: points([0.8]), outcome: "earlyStopped", reason: "asha: loss 0.8 at step 1 is not in the top 1/3 of the rung at step 1 (cutoff 0.2, best 1 of 3 continue)" },
    { name: "best", index: 3, curve: points([0.9, 0.5, 0.1]), outcome: "succeeded", value: 0.1 },
  ];
  const job = { direction: "minimize" as const, trials };
  const none = replayRecorded(job, { ...asha, algorithm: { name: "none" } });
  assert.deepEqual({ run: none.stepsRun, full: none.stepsFull, kept: none.bestKept, found: none.found, censored: none.censored }, { run: 12, full: 12, kept: true, found: 0.1, censored: 1 });
  // Classic ASHA at step 1 keeps the fast starter and cuts the slow one that ends best.
  const r = replayRecorded(job, asha);
  assert.equal(r.bestKept, false);
  assert.equal(r.found, 0.2);
  assert.deepEqual([...r.stops.keys()], ["cut", "best"]);
  assert.deepEqual({ run: r.stepsRun, full: r.stepsFull, censored: r.censored }, { run: 8, full: 12, censored: 0 });
});
