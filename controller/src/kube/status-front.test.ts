import { test } from "node:test";
import assert from "node:assert/strict";
import { Trial } from "../api/trial.ts";
import { MAX_FRONT_TRIALS, TuningJobStatus } from "../api/tuningjob.ts";
import type { TrialView } from "../engine/job.ts";
import { paretoFront } from "../engine/front.ts";
import { jobStatus, trialStatus } from "./status.ts";
import { trialViewOf } from "./objects.ts";

const T0 = "2026-01-01T00:00:00.000Z";
const objectives = [
  { metric: "err", direction: "minimize" },
  { metric: "mb", direction: "minimize" },
] as const;
const view = (i: number, over: Partial<TrialView> = {}): TrialView => ({ name: `j-${String(i).padStart(5, "0")}`, index: i, params: { x: i }, phase: "Succeeded", curve: [{ step: 1, value: i }], metrics: {}, ...over });

test("a job status lists at most 32 front trials and says how wide the whole front is", () => {
  // 40 trials on one front (err rises as size falls) and 10 dominated ones.
  const trials = [
    ...Array.from({ length: 40 }, (_, i) => view(i, { value: i, values: [i, 40 - i] })),
    ...Array.from({ length: 10 }, (_, i) => view(40 + i, { value: 50 + i, values: [50 + i, 50] })),
  ];
  const front = paretoFront(trials, objectives);
  const status = jobStatus({ trials, end: null, front, maxTrials: 50, now: T0 });
  assert.equal(status.paretoFront?.length, MAX_FRONT_TRIALS);
  assert.equal(status.paretoFrontSize, 40);
  assert.ok(status.paretoFront?.every((m) => Number(m.params.x) < 40), "no dominated trial");
  assert.deepEqual(status.paretoFront?.[0], { name: "j-00000", values: [0, 40], params: { x: 0 } });
  assert.equal(status.bestTrial, undefined);
  assert.ok(TuningJobStatus.safeParse(status).success);
  const tooMany = { ...status, paretoFront: [...(status.paretoFront ?? []), { name: "x", values: [1, 2], params: {} }] };
  assert.equal(TuningJobStatus.safeParse(tooMany).success, false, "the schema (and so the CRD) bounds the list");
});

test("a Trial status carries values, the value's metrics and feasibility, and a rebuilt view reads them back", () => {
  const v = view(3, { value: 0.2, values: [0.2, 31], valueMetrics: { err: 0.2, mb: 31 }, feasible: false, infeasibleReason: "mb = 31 is above max 20", metrics: { err: 0.25, mb: 31 } });
  const s = trialStatus({ view: v, metricNames: null, now: T0 });
  assert.deepEqual([s.values, s.valueMetrics, s.feasible, s.infeasibleReason], [[0.2, 31], { err: 0.2, mb: 31 }, false, "mb = 31 is above max 20"]);
  const stored = Trial.parse({ apiVersion: "kubetune.io/v1alpha1", kind: "Trial", metadata: { name: v.name }, spec: { index: 3, params: v.params }, status: s });
  const back = trialViewOf(stored);
  assert.deepEqual([back.values, back.valueMetrics, back.feasible, back.infeasibleReason], [v.values, v.valueMetrics, v.feasible, v.infeasibleReason]);
  const plain = trialStatus({ view: view(4, { value: 1 }), metricNames: null, now: T0 });
  assert.deepEqual(["values", "valueMetrics", "feasible", "infeasibleReason"].filter((k) => k in plain), [], "a single-objective trial without constraints says nothing new");
});
