import { judgedObjective } from "../../controller/src/api/job-objectives.ts";
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Results } from "../../controller/src/local/results.ts";
import { runKubetune } from "../kubetune-cli.ts";
import { writeObjectiveJob } from "../fixtures/objective-job.ts";
import { EarlyStoppingSpec } from "../../controller/src/api/stopping-settings.ts";
import { recordedStops, replayRecorded } from "../../controller/src/engine/stopping/replay-recorded.ts";
import { stopperConfigFromSpec } from "../../controller/src/engine/stopping/settings.ts";

/**
 * `kubetune simulate` against real local runs: a `kubetune run` of the test objective with early stopping,
 * then the replay of its results.json under the job's own settings must make the same stop decisions.
 */

/** A TuningJob of the test objective (loss = distance to the optimum + 1/step) with the given early stopping. */
function job(name: string, earlyStopping: object, parallel: number): string {
  return writeObjectiveJob(mkdtempSync(join(tmpdir(), "kubetune-sim-")), name, {
    search: { algorithm: "random", seed: 3 },
    earlyStopping,
    budget: { maxTrials: 14, parallelTrials: parallel, maxFailedTrials: 0 },
  }, ["--steps=9", "--delay=15"]);
}

const SETTINGS = [
  { name: "asha", earlyStopping: { algorithm: "asha", settings: { minResource: 1, maxResource: 9, rankBy: "value" } } },
  { name: "asha-prediction", earlyStopping: { algorithm: "asha", settings: { maxResource: 9 } } },
  { name: "median", earlyStopping: { algorithm: "median", settings: { minTrials: 3, startStep: 2, compare: "runningAverage" } } },
];

for (const s of SETTINGS) {
  test(`a recorded ${s.name} run, trials one at a time: simulate replays the job's own stop decisions exactly`, { timeout: 120_000 }, async () => {
    const manifest = job(`sim-${s.name}`, s.earlyStopping, 1);
    const out = join(mkdtempSync(join(tmpdir(), "kubetune-sim-out-")), "run");
    const run = await runKubetune(["run", manifest, "--out", out, "--quiet"]);
    assert.equal(run.code, 0, run.stderr);
    const results = Results.parse(JSON.parse(readFileSync(join(out, "results.json"), "utf8")));
    const trials = results.trials.map((t) => ({ ...t, startedAt: Date.parse(t.startedAt ?? ""), finishedAt: Date.parse(t.finishedAt ?? "") }));
    const recorded = recordedStops({ direction: "minimize", trials });
    assert.ok(recorded.size >= 2, `the run must stop trials for the test to mean anything, stopped ${recorded.size}`);

    const replay = replayRecorded({ direction: "minimize", trials }, stopperConfigFromSpec(EarlyStoppingSpec.parse(results.spec.earlyStopping), judgedObjective(results.spec)));
    assert.deepEqual(new Map([...replay.stops].map(([trial, d]) => [trial, d.step])), recorded, "same trials stopped, at the same steps");
    for (const t of results.trials) if (replay.stops.has(t.name)) assert.equal(replay.stops.get(t.name)?.reason, t.reason, `${t.name}: the same reason, numbers included`);

    const sim = await runKubetune(["simulate", manifest, "--curves", out, "--json"]);
    assert.equal(sim.code, 0, sim.stderr);
    const report = JSON.parse(sim.stdout) as { fidelity: { recorded: number; differences: string[] }; rows: { own: boolean; label: string; saved: number; bestKept: boolean }[] };
    assert.deepEqual(report.fidelity.differences, []);
    assert.equal(report.fidelity.recorded, recorded.size);
    assert.ok(report.rows.length >= 4, "the job's setting and alternatives");
    assert.equal(report.rows.filter((r) => r.own).length, 1);

    const text = await runKubetune(["simulate", manifest, "--curves", join(out, "results.json")]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`makes the job's own ${recorded.size} stop decisions: same trials, same steps`));
    assert.match(text.stdout, /^#\s+setting\s+steps saved\s+best kept\s+stopped\s+best loss$/m);
  });
}

test("a recorded run with trials in parallel: simulate orders reports by time and ranks the settings", { timeout: 120_000 }, async () => {
  const manifest = job("sim-parallel", SETTINGS[0]?.earlyStopping ?? {}, 3);
  const out = join(mkdtempSync(join(tmpdir(), "kubetune-sim-out-")), "run");
  assert.equal((await runKubetune(["run", manifest, "--out", out, "--quiet"])).code, 0);
  const sim = await runKubetune(["simulate", manifest, "--curves", out]);
  assert.equal(sim.code, 0, sim.stderr);
  // Parallel trials' reports are ordered by interpolated times: the replay is close, not guaranteed exact.
  assert.match(sim.stdout, /replayed with the settings it was recorded with/);
  assert.match(sim.stdout, /^1 {2}\S/m);
});
