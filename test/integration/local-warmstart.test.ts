import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TuningJobSpec } from "../../controller/src/api/tuningjob.ts";
import { createTuner } from "../../controller/src/engine/tuner.ts";
import { Results } from "../../controller/src/local/results.ts";
import { root, runKubetune, type Cli } from "../kubetune-cli.ts";
import { writeObjectiveJob } from "../fixtures/objective-job.ts";


/** Runs the kubetune CLI in `cwd`. */
function kubetune(args: string[], cwd: string): Promise<Cli> {
  return runKubetune(args, { cwd });
}

/** Writes a TuningJob around the test objective script into `dir` (runs elsewhere, so the script's path is absolute). */
function job(dir: string, name: string, spec: Record<string, unknown>): string {
  return writeObjectiveJob(dir, name, { budget: { maxTrials: 6, parallelTrials: 3, maxFailedTrials: 0 }, ...spec }, ["--steps=2"], join(root, "test/fixtures/objective.mjs"));
}

const runOf = (runs: string, job: string): Results => {
  const dir = readdirSync(runs).filter((d) => d.startsWith(`${job}-`)).sort().at(-1) ?? "";
  return Results.parse(JSON.parse(readFileSync(join(runs, dir, "results.json"), "utf8")));
};

test("kubetune run warm-starts from the newest finished run of the named job under --runs; a missing one is an error", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubetune-warm-run-"));
  const runs = join(dir, "runs");
  const warmSpec = { search: { algorithm: "tpe", seed: 2, settings: { startupTrials: 2 }, warmStart: { jobs: ["earlier"] } }, budget: { maxTrials: 3, parallelTrials: 3, maxFailedTrials: 0 } };
  const missing = await kubetune(["run", job(dir, "later", warmSpec), "--runs", runs], dir);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /names "earlier", but .* has no run of it/);

  const earlier = await kubetune(["run", job(dir, "earlier", {}), "--runs", runs], dir);
  assert.equal(earlier.code, 0, earlier.stderr);
  const later = await kubetune(["run", job(dir, "later", warmSpec), "--runs", runs], dir);
  assert.equal(later.code, 0, later.stderr);
  assert.match(later.stderr, /warm start: 6 finished trials of .*earlier-\d{8}-\d{6}/);
  const res = runOf(runs, "later");
  assert.deepEqual(res.warmStart?.observations.map((o) => o.trial).sort(), runOf(runs, "earlier").trials.map((t) => t.name).sort());
  assert.equal(res.trials.length, 3, "warm trials do not count towards maxTrials");
  const spec = TuningJobSpec.parse(res.spec);
  const expected = (await createTuner({ job: "later", spec, warm: res.warmStart?.observations ?? [] }).next()).flatMap((a) => (a.type === "launch" ? [a.trial.params] : []));
  assert.deepEqual(res.trials.map((t) => t.params), expected, "the run's trials are the warm-started optimizer's first suggestions");
});
