import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "./main.ts";
import { styleFor } from "../local/style.ts";
import { parseTuningJob } from "../api/validate.ts";
import { resultsOf, saveResults } from "../local/results.ts";
import type { TrialView } from "../engine/job.ts";
import { serveFinishedClusterJob } from "../../../test/fixtures/cluster-job.ts";

const validYaml = readFileSync(join(import.meta.dirname, "../../../test/fixtures/valid-job.yaml"), "utf8");

async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), style: styleFor({ isTTY: false }, {}), stdin: () => "" });
  return { code, out, err };
}

/** A temp dir with job.yaml (the fixture job, median early stopping), a variant, and run directories. */
function workspace(): { dir: string; job: string; file: (name: string, text: string) => string; run: (name: string, trials: TrialView[]) => string } {
  const dir = mkdtempSync(join(tmpdir(), "kubetune-simulate-"));
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const spec = parseTuningJob(validYaml, "valid-job.yaml").spec;
  const runDir = (name: string, trials: TrialView[]): string => {
    const out = join(dir, name);
    saveResults(out, resultsOf({ job: "fixture-job", spec, trials, best: undefined, end: null, startedAt: "2026-01-01T00:00:00Z", times: new Map() }));
    return out;
  };
  return { dir, job: file("job.yaml", validYaml), file, run: runDir };
}

const trial = (i: number, curve: number[], phase: TrialView["phase"] = "Succeeded"): TrialView => ({
  name: `fixture-job-${String(i).padStart(5, "0")}`,
  index: i,
  params: { lr: 0.01, batch: 32, dropout: 0.1, optimizer: "adam", units: 2 },
  phase,
  value: Math.min(...curve),
  curve: curve.map((value, k) => ({ step: k + 1, value })),
  metrics: {},
});

test("simulate of a run directory prints the settings ranked, the job's own marked", async () => {
  const w = workspace();
  const curves = Array.from({ length: 12 }, (_, i) => trial(i, Array.from({ length: 9 }, (_, s) => 0.1 * (i + 1) + 1 / (s + 1))));
  const r = await run(["simulate", w.job, "--curves", w.run("run", curves)]);
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.match(r.out[0] ?? "", /^fixture-job from .*results\.json: 12 trials with learning curves \(val_loss, minimize\); a full trial runs 9 steps$/);
  assert.ok(r.out.some((l) => /\(job\.yaml\)/.test(l)));
  assert.ok(r.out.some((l) => /^1 {2}(asha|median) /.test(l)));
  const again = await run(["simulate", w.job, "--curves", join(w.dir, "run", "results.json")]);
  assert.deepEqual(again.out.slice(1), r.out.slice(1), "deterministic: the same table every time");
});

test("simulate: each bad input is one line naming what is wrong, and a non-zero exit", async () => {
  const w = workspace();
  const noStopping = w.file("plain.yaml", validYaml.replace(/^ {2}earlyStopping:.*\n/m, ""));
  const otherMetric = w.file("other.yaml", validYaml.replace("{metric: val_loss, direction: minimize, additionalMetrics: [val_accuracy]}", "{metric: accuracy, direction: maximize}"));
  const good = w.run("good", [trial(0, [0.5, 0.4, 0.3]), trial(1, [0.6, 0.5, 0.45])]);
  const empty = w.run("empty", [trial(0, []), trial(1, [], "Failed")]);
  const single = w.run("single", [trial(0, [0.5]), trial(1, [0.6])]);
  mkdirSync(join(w.dir, "broken"));
  writeFileSync(join(w.dir, "broken", "results.json"), "{ not json");
  mkdirSync(join(w.dir, "shape"));
  writeFileSync(join(w.dir, "shape", "results.json"), JSON.stringify({ kubetune: 1, job: "x" }));
  const cases: [string[], number, RegExp][] = [
    [[w.job], 2, /^kubetune simulate: name one TuningJob manifest and --curves/],
    [[noStopping, "--curves", good], 1, /^✗ .*plain\.yaml has no spec\.earlyStopping \(or algorithm none\): there is nothing to simulate; add e\.g\. earlyStopping: /],
    [[join(w.dir, "absent.yaml"), "--curves", good], 1, /^✗ .*absent\.yaml/],
    [[w.job, "--curves", join(w.dir, "nowhere")], 1, /^✗ --curves: .*nowhere does not exist/],
    [[w.job, "--curves", join(w.dir, "broken")], 1, /^✗ --curves: .*results\.json is not valid JSON/],
    [[w.job, "--curves", join(w.dir, "shape")], 1, /^✗ --curves: .*results\.json is not a kubetune results file/],
    [[w.job, "--curves", empty], 1, /^✗ .*results\.json holds no learning curves: no trial reported val_loss$/],
    [[w.job, "--curves", single], 1, /^✗ .*every trial reported val_loss at one step only; early stopping needs learning curves$/],
    [[otherMetric, "--curves", good], 1, /^✗ .*recorded val_loss \(minimize\), but .*other\.yaml's objective is accuracy \(maximize\)/],
    [[w.file("bad.yaml", validYaml.replace("maxTrials: 20", "maxTrials: 0")), "--curves", good], 1, /^✗ .*bad\.yaml is not a valid manifest: spec\.budget\.maxTrials/],
  ];
  for (const [args, code, message] of cases) {
    const r = await run(["simulate", ...args]);
    assert.equal(r.code, code, `${args.join(" ")}: ${r.err.join("\n")}`);
    assert.match(r.err[0] ?? "", message, args.join(" "));
    assert.deepEqual(r.out, [], args.join(" "));
    if (code === 1) assert.equal(r.err.length, 1, `one line: ${r.err.join(" | ")}`);
  }
});

test("simulate tj/NAME reads the cluster job's Trials; unknown jobs and missing RBAC are one line", async () => {
  const s = await serveFinishedClusterJob();
  const w = workspace();
  const kubeconfig = w.file("kubeconfig", s.kc.exportConfig());
  try {
    const ok = await run(["simulate", w.job, "--curves", "tj/fixture-job", "-n", "ns", "--kubeconfig", kubeconfig]);
    assert.equal(ok.code, 0, ok.err.join("\n"));
    assert.match(ok.out[0] ?? "", /^fixture-job from tj\/fixture-job in namespace ns: 2 trials with learning curves/);
    const nope = await run(["simulate", w.job, "--curves", "tj/nope", "-n", "ns", "--kubeconfig", kubeconfig]);
    assert.equal(nope.code, 1);
    assert.deepEqual(nope.err.length, 1);
    assert.match(nope.err[0] ?? "", /^✗ TuningJob "nope" not found in namespace "ns"/);
    const locked = await run(["simulate", w.job, "--curves", "tj/fixture-job", "-n", "locked", "--kubeconfig", kubeconfig]);
    assert.equal(locked.code, 1);
    assert.match(locked.err[0] ?? "", /^✗ not allowed to get tuningjobs in namespace "locked" \(403 Forbidden\)/);
  } finally {
    await s.close();
  }
});
