import { test } from "node:test";
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { parseTuningJob } from "../api/validate.ts";
import type { TrialView } from "../engine/job.ts";
import { trialObject } from "../kube/objects.ts";
import { trialStatus } from "../kube/status.ts";
import { resultsOf } from "../local/results.ts";
import { validJob } from "../../../test/fixtures/invalid-jobs.ts";
import { clusterResults, parseClusterJob } from "./cluster-results.ts";

const parsed = parseTuningJob(stringify(validJob()), "job.yaml");
const job = { ...parsed, metadata: { ...parsed.metadata, namespace: "ns", uid: "uid-1" } };
const views: TrialView[] = [
  { name: "fixture-job-00000", index: 0, params: { lr: 0.1, batch: 16, dropout: 0, optimizer: "adam", units: 1 }, phase: "Succeeded", value: 0.5, curve: [{ step: 1, value: 0.7 }, { step: 2, value: 0.5 }], metrics: { val_loss: 0.5 }, finishedOrder: 1 },
  { name: "fixture-job-00001", index: 1, params: { lr: 0.2, batch: 32, dropout: 0.1, optimizer: "sgd", units: 2 }, phase: "EarlyStopped", value: 0.9, reason: "median: worse than the median", curve: [{ step: 1, value: 0.9 }], metrics: { val_loss: 0.9 }, finishedOrder: 0 },
  { name: "fixture-job-00002", index: 2, params: { lr: 0.3, batch: 64, dropout: 0.2, optimizer: "sgd", units: 4 }, phase: "Failed", reason: "exited with code 1", curve: [], metrics: {}, finishedOrder: 2 },
  { name: "fixture-job-00003", index: 3, params: { lr: 0.01, batch: 64, dropout: 0.2, optimizer: "adam", units: 4 }, phase: "Running", curve: [{ step: 1, value: 0.8 }], metrics: { val_loss: 0.8 } },
];
const FINISHED_AT = ["2026-01-01T00:00:09Z", "2026-01-01T00:00:05Z", "2026-01-01T00:00:10Z"];

test("trials the controller stores read back into the results a local run writes of the same trials", () => {
  // The controller's own objects: trialObject for the Trial, trialStatus for its status (with the times it stamps).
  const trials = views.map((v, i) => ({
    ...trialObject(job, v),
    metadata: { ...trialObject(job, v).metadata, uid: `t${i}` },
    status: trialStatus({ view: v, metricNames: null, now: FINISHED_AT[i] ?? "2026-01-01T00:00:03Z" }),
  }));
  const read = parseClusterJob({ ...job, status: { phase: "Running", startTime: "2026-01-01T00:00:00Z", bestTrial: { name: "fixture-job-00000", params: views[0]!.params, value: 0.5 } } });
  assert.ok(read.ok);
  const fromCluster = clusterResults(read.job, trials);
  const times = new Map(trials.map((t) => [t.metadata.name, { startedAt: t.status.startTime, ...(t.status.completionTime ? { finishedAt: t.status.completionTime } : {}) }]));
  const local = resultsOf({ job: "fixture-job", spec: job.spec, trials: views, best: views[0], end: null, startedAt: "2026-01-01T00:00:00Z", times });
  assert.deepEqual(fromCluster, local);
});
