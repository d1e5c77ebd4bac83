import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { Results } from "../../controller/src/local/results.ts";
import { gridJob, gridSearchCV, root, venvPython, type GridJob } from "./sklearn-reference.ts";

/** `kubetune run <example> --quiet` with the venv first on PATH, as a user with it activated runs it. */
function kubetuneRun(job: GridJob, out: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, NO_COLOR: "1", PATH: [dirname(venvPython), process.env.PATH ?? ""].join(delimiter) };
    const child = spawn(process.execPath, [join(root, "controller/src/cli/bin.ts"), "run", job.path, "--quiet", "--out", out], { cwd: root, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

for (const file of ["ridge-grid.yaml", "lasso-grid.yaml"]) {
  test(`kubetune run ${file} finds GridSearchCV(cv=5)'s best alpha and score, and each alpha's mean ± std`, async () => {
    const job = gridJob(file);
    const out = join(mkdtempSync(join(tmpdir(), "kubetune-sklearn-")), "run");
    const running = kubetuneRun(job, out);
    const ref = gridSearchCV(job); // scikit-learn's own answer, computed while the run goes on
    const run = await running;
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const r = Results.parse(JSON.parse(readFileSync(join(out, "results.json"), "utf8")));

    assert.equal(r.status.phase, "Succeeded", r.status.message);
    assert.equal(r.trials.length, job.alphas.length, "one trial per alpha");
    assert.deepEqual(r.trials.map((t) => t.params.alpha).sort((a, b) => Number(a) - Number(b)), [...job.alphas].sort((a, b) => a - b));
    assert.equal(r.best?.params.alpha, ref.best_params_.alpha, `best_params_ ${JSON.stringify(ref.best_params_)}`);
    assert.ok(Math.abs((r.best?.value ?? Number.NaN) - ref.best_score_) < 1e-9, `best.value ${r.best?.value} vs best_score_ ${ref.best_score_}`);

    for (const t of r.trials) {
      const i = job.alphas.indexOf(Number(t.params.alpha));
      const mean = ref.mean_test_score[i] as number;
      const std = ref.std_test_score[i] as number;
      assert.equal(t.outcome, "succeeded", `${t.name}: ${t.reason}`);
      assert.ok(Math.abs((t.value ?? Number.NaN) - mean) < 1e-9, `${t.name} alpha=${t.params.alpha}: mean_test_score ${t.value} vs ${mean}`);
      assert.ok(Math.abs((t.metrics.std_test_score ?? Number.NaN) - std) < 1e-9, `${t.name}: std_test_score ${t.metrics.std_test_score} vs ${std}`);
      const line = run.stderr.split("\n").find((l) => l.includes(`✓ ${t.name} succeeded`));
      assert.match(line ?? "", / mean_test_score=-?[\d.e-]+ ± [\d.e-]+/, `the trial's line shows mean ± std: ${line}`);
    }
    assert.match(readFileSync(join(out, "report.html"), "utf8"), /<td>-?[\d.e-]+ ± [\d.e-]+<\/td>/, "report.html shows mean ± std per trial");
  });
}
