import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_METRIC_NAMES_PER_TRIAL } from "../api/metrics.ts";
import { MAX_CATEGORICAL_CHARS } from "../api/parameters.ts";
import { MAX_CURVE_POINTS, MAX_RETRIES, TRIAL_STATUS_MAX_BYTES } from "../api/trial.ts";
import type { TrialView } from "../engine/job.ts";
import { createdSummary, jobStatus, pendingStop, sameJson, saysOnlyPending, setCondition, shownPhase, trialStatus } from "./status.ts";

const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-01T00:01:00.000Z";
const view = (over: Partial<TrialView> = {}): TrialView => ({ name: "j-00000", index: 0, params: { lr: 0.1 }, phase: "Running", curve: [], metrics: {}, ...over });

test("a trial told to stop already shows EarlyStopped; finished phases are kept", () => {
  assert.equal(shownPhase(view(), { reason: "asha", at: T0 }), "EarlyStopped");
  assert.equal(shownPhase(view(), undefined), "Running");
  assert.equal(shownPhase(view({ phase: "Failed" }), { reason: "asha", at: T0 }), "Failed");
});

test("conditions keep lastTransitionTime while their status does not change", () => {
  const a = setCondition([], { type: "Running", status: "True", reason: "R" }, T0);
  const b = setCondition(a, { type: "Running", status: "True", reason: "R2" }, T1);
  assert.equal(b[0]?.lastTransitionTime, T0);
  assert.equal(b[0]?.reason, "R2");
  const c = setCondition(b, { type: "Running", status: "False", reason: "Done" }, T1);
  assert.equal(c[0]?.lastTransitionTime, T1);
});

test("trial status: metrics filtered to the recorded names, curve and lastStep, start and completion times, stop reason", () => {
  const v = view({ value: 0.3, curve: [{ step: 1, value: 0.5 }, { step: 2, value: 0.3 }], metrics: { val_loss: 0.3, val_accuracy: 0.9, noise: 1 } });
  const running = trialStatus({ view: v, metricNames: new Set(["val_loss", "val_accuracy"]), now: T0 });
  assert.deepEqual(running, { phase: "Running", podName: "j-00000", attempts: 1, value: 0.3, valueText: "0.3", metrics: { val_loss: 0.3, val_accuracy: 0.9 }, lastStep: 2, curve: v.curve, startTime: T0 });
  const stopped = trialStatus({ view: v, stop: { reason: "asha: rung 2", at: T1 }, previous: running, metricNames: null, now: "2026-01-01T00:02:00.000Z" });
  assert.equal(stopped.phase, "EarlyStopped");
  assert.equal(stopped.reason, "asha: rung 2");
  assert.equal(stopped.startTime, T0, "start time is kept");
  assert.equal(stopped.completionTime, T1, "completion is when the stop was decided");
  assert.equal(stopped.metrics?.noise, 1, "no filter records every metric");
});

test("a stop in progress is marked Stopping until the trial settles, so a restarted controller can tell it from a finished trial", () => {
  const v = view({ curve: [{ step: 3, value: 0.5 }] });
  const running = trialStatus({ view: v, metricNames: null, now: T0 });
  assert.equal(running.conditions, undefined, "no condition on a trial never told to stop");
  assert.equal(pendingStop(running), undefined);
  const stopping = trialStatus({ view: v, stop: { reason: "asha: cut", at: T1 }, previous: running, metricNames: null, now: T1 });
  assert.deepEqual(stopping.conditions?.map((c) => [c.type, c.status, c.lastTransitionTime]), [["Stopping", "True", T1]]);
  assert.equal(pendingStop(stopping), "asha: cut");
  const settled = trialStatus({ view: { ...v, phase: "EarlyStopped", reason: "asha: cut" }, stop: { reason: "asha: cut", at: T1 }, previous: stopping, metricNames: null, now: "2026-01-01T00:02:00.000Z" });
  assert.equal(settled.phase, "EarlyStopped");
  assert.deepEqual(settled.conditions?.map((c) => [c.type, c.status]), [["Stopping", "False"]], "kept as False: a merge patch cannot remove it");
  assert.equal(pendingStop(settled), undefined);
  assert.equal(pendingStop({ phase: "EarlyStopped", reason: "asha: cut" }), undefined, "a Trial settled before this condition existed is finished");
});

test("job status: phase, counts, progress, best trial, end reason and conditions", () => {
  const trials = [view({ phase: "Succeeded", value: 0.2, metrics: { val_loss: 0.2 } }), view({ name: "j-00001", index: 1, phase: "Running" })];
  const running = jobStatus({ generation: 2, trials, end: null, best: trials[0], maxTrials: 4, now: T0 });
  assert.equal(running.phase, "Running");
  assert.equal(running.progress, "1/4");
  assert.equal(running.observedGeneration, 2);
  assert.deepEqual(running.trials, { pending: 0, running: 1, succeeded: 1, failed: 0, earlyStopped: 0 });
  assert.deepEqual(running.bestTrial, { name: "j-00000", params: { lr: 0.1 }, value: 0.2, metrics: { val_loss: 0.2 } });
  assert.equal(running.conditions?.find((c) => c.type === "Succeeded")?.status, "Unknown");
  const end = { phase: "Failed" as const, reason: "InvalidTrialTemplate" as const, message: "refused" };
  const failed = jobStatus({ previous: running, generation: 2, trials, end, maxTrials: 4, now: T1 });
  assert.equal(failed.phase, "Failed");
  assert.equal(failed.reason, "InvalidTrialTemplate");
  assert.equal(failed.message, "refused");
  assert.equal(failed.completionTime, T1);
  assert.equal(failed.startTime, T0);
  assert.deepEqual(failed.conditions?.map((c) => [c.type, c.status]), [["Failed", "True"], ["Running", "False"], ["Succeeded", "False"]]);
  assert.equal(jobStatus({ trials: [], end: null, maxTrials: 4, now: T0 }).phase, "Pending");
});

test("sameJson ignores key order and undefined fields", () => {
  assert.ok(sameJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, d: undefined }));
  assert.ok(!sameJson({ a: [1, 2] }, { a: [2, 1] }));
  assert.ok(!sameJson({ a: 1 }, undefined));
});

test("a status that says only Pending is the one a Trial without status implies; anything more is not", () => {
  const pending = trialStatus({ view: view({ phase: "Pending" }), metricNames: null, now: T0 });
  assert.ok(saysOnlyPending(pending));
  assert.ok(!saysOnlyPending(trialStatus({ view: view(), metricNames: null, now: T0 })), "Running");
  assert.ok(!saysOnlyPending(trialStatus({ view: view({ phase: "Pending", curve: [{ step: 1, value: 0.5 }], metrics: { loss: 0.5 } }), metricNames: null, now: T0 })), "a report before the Pod was seen running");
  assert.ok(!saysOnlyPending(trialStatus({ view: view({ phase: "Pending" }), stop: { reason: "the job ended", at: T0 }, metricNames: null, now: T0 })), "stopped before it ran");
});

test("trials created together are named as a range when consecutive, one by one otherwise", () => {
  const t = (index: number) => ({ name: `j-${String(index).padStart(5, "0")}`, index });
  assert.equal(createdSummary([t(18), t(3), ...[4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17].map(t)]), "created 16 trials: j-00003…j-00018");
  assert.equal(createdSummary([t(7), t(2)]), "created 2 trials: j-00002, j-00007");
  assert.equal(createdSummary([t(4)]), "created trial j-00004");
});

test("a trial's value is also kept as 4 significant digits, the text kubectl get shows", () => {
  assert.equal(trialStatus({ view: view({ value: 0.34567891234 }), metricNames: null, now: T0 }).valueText, "0.3457");
  assert.equal(trialStatus({ view: view({ value: 123456.789 }), metricNames: null, now: T0 }).valueText, "123500");
  assert.equal(trialStatus({ view: view({ value: -0.000123456 }), metricNames: null, now: T0 }).valueText, "-0.0001235");
  assert.equal(trialStatus({ view: view({}), metricNames: null, now: T0 }).valueText, undefined);
});

test("the worst-case Trial status fits TRIAL_STATUS_MAX_BYTES, and a Trial with it fits the API server's and etcd's limits", () => {
  // Every field at its longest: names of 128 characters, the longest JSON numbers, a reason of
  // control characters (6 bytes each in JSON), more names and points than the bounds let through.
  const longest = -1.2345678901234567e-300;
  const name = (i: number) => `m${String(i).padStart(127, "0")}`;
  const names = (from: number) => Object.fromEntries(Array.from({ length: 2 * MAX_METRIC_NAMES_PER_TRIAL }, (_, i) => [name(from + i), longest]));
  const curve = Array.from({ length: 10 * MAX_CURVE_POINTS }, (_, i) => ({ step: Number.MAX_SAFE_INTEGER - i, value: longest }));
  const reason = "\u0001".repeat(100_000);
  const podName = "j".repeat(63);
  const previous = { phase: "Running" as const, podName, metrics: names(10_000), curve: curve.slice(0, MAX_CURVE_POINTS), lastStep: Number.MAX_SAFE_INTEGER, startTime: T0 };
  const retries = Array.from({ length: MAX_RETRIES }, (_, i) => ({ attempt: i + 1, reason: "OOMKilled" as const, message: reason, lastStep: Number.MAX_SAFE_INTEGER }));
  const v = view({ name: podName, phase: "Failed", reason, value: longest, curve, metrics: names(0), retries });
  const status = trialStatus({ view: v, stop: { reason, at: T1 }, previous, metricNames: null, now: T1 });
  assert.equal(Object.keys(status.metrics ?? {}).length, MAX_METRIC_NAMES_PER_TRIAL);
  assert.equal(status.curve?.length, MAX_CURVE_POINTS);
  assert.equal(status.retries?.length, MAX_RETRIES);
  const bytes = Buffer.byteLength(JSON.stringify(status));
  assert.ok(bytes <= TRIAL_STATUS_MAX_BYTES, `worst-case status is ${bytes} bytes, over ${TRIAL_STATUS_MAX_BYTES}`);
  // The status patch body is {"status":…}; the stored Trial adds its spec (at most 64 parameters of
  // 63-character names and categorical values of the job's own spec), metadata, and managedFields,
  // which list the status's field names (no longer than the status itself).
  const patchBody = bytes + '{"status":}'.length;
  assert.ok(patchBody < 3 * 1024 * 1024, "the API server's request body limit");
  const spec = JSON.stringify({ index: 99_999, params: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`p${String(i).padStart(62, "0")}`, "v".repeat(MAX_CATEGORICAL_CHARS)])) });
  const metadataAllowance = 16 * 1024;
  const trial = Buffer.byteLength(spec) + bytes + bytes + metadataAllowance;
  assert.ok(trial < 1.5 * 1024 * 1024, `a worst-case Trial is ${trial} bytes, over etcd's 1.5 MiB`);
});
