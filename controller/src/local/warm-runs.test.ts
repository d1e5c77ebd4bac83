import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TuningJobSpec } from "../api/tuningjob.ts";
import type { TrialView } from "../engine/job.ts";
import { loadResults, resultsOf, saveResults } from "./results.ts";
import { localWarmStart } from "./warm-runs.ts";

function spec(over: Record<string, unknown> = {}): TuningJobSpec {
  return TuningJobSpec.parse({
    objective: { metric: "loss", direction: "minimize" },
    parameters: [{ name: "x", type: "double", min: 0, max: 1 }],
    search: { algorithm: "random", seed: 1 },
    budget: { maxTrials: 3 },
    trialTemplate: { spec: { containers: [{ name: "t", command: ["run"] }] } },
    ...over,
  });
}

const trial = (job: string, index: number, x: number, value: number): TrialView => ({ name: `${job}-0000${index}`, index, params: { x }, phase: "Succeeded", value, curve: [{ step: 1, value }], metrics: { loss: value }, finishedOrder: index });

/** Writes a run of `job` as kubetune run does, finished unless `running`. */
function writeRun(runs: string, dir: string, job: string, trials: TrialView[], running = false): void {
  const end = running ? null : { phase: "Succeeded" as const, reason: "MaxTrialsReached" as const, message: "done" };
  saveResults(join(runs, dir), resultsOf({ job, spec: spec(), trials, best: trials[0], end, startedAt: "2026-12-01T00:00:00Z", times: new Map() }));
}

test("a job named in warmStart is its newest run under the runs directory; trials that do not fit are counted", () => {
  const runs = mkdtempSync(join(tmpdir(), "kubetune-warm-"));
  writeRun(runs, "old-20261201-100000", "old", [trial("old", 0, 0.9, 5)]);
  writeRun(runs, "old-20261202-100000", "old", [trial("old", 0, 0.2, 1), trial("old", 1, 0.8, 2)]);
  writeRun(runs, "older-20261203-100000", "older", [trial("older", 0, 0.5, 3)]);
  const warmed = spec({ parameters: [{ name: "x", type: "double", min: 0, max: 0.5 }], search: { algorithm: "random", warmStart: { jobs: ["old"] } } });
  const w = localWarmStart(warmed, runs);
  assert.ok(w.ok);
  assert.deepEqual(w.dirs, [join(runs, "old-20261202-100000")]);
  assert.deepEqual(w.warm, { jobs: ["old"], observations: [{ trial: "old-00000", params: { x: 0.2 }, value: 1 }], skipped: 1, skippedReason: 'old-00001: parameter "x" = 0.8 is above its max 0.5' });
  // What a run records, --resume reads back the same.
  saveResults(join(runs, "new"), { ...resultsOf({ job: "new", spec: warmed, trials: [], best: undefined, end: null, startedAt: "2026-12-04T00:00:00Z", times: new Map(), warmStart: w.warm }) });
  assert.deepEqual(loadResults(join(runs, "new")).warmStart, w.warm);
});

test("a missing or unfinished earlier run is an error that says what to do", () => {
  const runs = mkdtempSync(join(tmpdir(), "kubetune-warm-"));
  const warmed = spec({ search: { algorithm: "random", warmStart: { jobs: ["old"] } } });
  const missing = localWarmStart(warmed, runs);
  assert.equal(!missing.ok && missing.reason, "missing");
  assert.match(!missing.ok ? missing.detail : "", /has no run of it \(old-<timestamp>\/results\.json\); run it first with kubetune run, or point --runs at/);
  writeRun(runs, "old-20261202-100000", "old", [trial("old", 0, 0.2, 1)], true);
  const running = localWarmStart(warmed, runs);
  assert.equal(!running.ok && running.reason, "unfinished");
  assert.match(!running.ok ? running.detail : "", /has not finished; finish it \(kubetune run --resume/);
  assert.equal(localWarmStart(warmed, join(runs, "nowhere")).ok, false);
});
