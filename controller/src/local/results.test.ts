import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { parseTuningJob } from "../api/validate.ts";
import { validJob } from "../../../test/fixtures/invalid-jobs.ts";
import { loadResults, resultsOf, saveResults, trialViewsOf, trialsCsv } from "./results.ts";
import type { TrialView } from "../engine/job.ts";

const spec = parseTuningJob(stringify(validJob()), "job.yaml").spec;
const trials: TrialView[] = [
  { name: "j-00000", index: 0, params: { lr: 0.1, batch: 16, dropout: 0, optimizer: "adam", units: 1 }, phase: "Succeeded", value: 0.5, curve: [{ step: 1, value: 0.5 }], metrics: { val_loss: 0.5 }, finishedOrder: 0 },
  { name: "j-00001", index: 1, params: { lr: 0.2, batch: 32, dropout: 0.1, optimizer: "sgd", units: 2 }, phase: "Failed", reason: 'exited with code 1: bad "input", really', curve: [], metrics: {}, finishedOrder: 1 },
  { name: "j-00002", index: 2, params: { lr: 0.3, batch: 64, dropout: 0.2, optimizer: "sgd", units: 4 }, phase: "Running", curve: [{ step: 1, value: 0.9 }], metrics: { val_loss: 0.9 } },
];
const doc = resultsOf({ job: "j", spec, trials, best: trials[0], end: null, startedAt: "2026-01-01T00:00:00Z", times: new Map() });

test("results name each trial's outcome, unfinished ones as null", () => {
  assert.deepEqual(doc.trials.map((t) => t.outcome), ["succeeded", "failed", null]);
  assert.deepEqual(doc.best, { name: "j-00000", params: trials[0]?.params, value: 0.5 });
  assert.equal(doc.status.phase, "Running");
});

test("trials.csv quotes what needs quoting", () => {
  const [header, , failed] = trialsCsv(doc).trim().split("\n");
  assert.equal(header, "name,outcome,value,param.lr,param.batch,param.dropout,param.optimizer,param.units,metric.val_loss,steps,reason");
  assert.equal(failed, 'j-00001,failed,,0.2,32,0.1,sgd,2,,0,"exited with code 1: bad ""input"", really"');
});

test("saved results load back into the same trial views", () => {
  const dir = mkdtempSync(join(tmpdir(), "kubetune-results-"));
  saveResults(dir, doc);
  assert.deepEqual(trialViewsOf(loadResults(dir)), trials);
});

test("a results file of the wrong shape is refused with where it is wrong", () => {
  const dir = mkdtempSync(join(tmpdir(), "kubetune-results-"));
  writeFileSync(join(dir, "results.json"), JSON.stringify({ ...doc, trials: [{ name: 3 }] }));
  assert.throws(() => loadResults(dir), /cannot resume: .*results\.json is not a kubetune results file: trials\.0\.name/);
});
