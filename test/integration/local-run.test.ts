import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Results } from "../../controller/src/local/results.ts";
import { startNatsServer } from "../nats-server.ts";
import { runKubetune, type Cli } from "../kubetune-cli.ts";
import { writeObjectiveJob } from "../fixtures/objective-job.ts";
import { connect, headers } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { SIGNATURE_HEADER, signReport, trialReportKey } from "../../controller/src/api/report-signature.ts";
import type { MetricMessage } from "../../controller/src/api/metrics.ts";
import { LOCAL_TRIAL_UID, openNatsChannel } from "../../controller/src/local/nats-channel.ts";


/** Runs the kubetune CLI as a child process; `onStderr` may act on the output (e.g. send Ctrl-C). */
function kubetune(args: string[], onStderr?: (text: string, child: ChildProcess) => void): Promise<Cli> {
  return runKubetune(args, onStderr ? { onStderr } : {});
}

/** Writes a TuningJob around the test objective script into a fresh folder and returns its path. */
function job(name: string, spec: Record<string, unknown>, args: string[] = []): string {
  return writeObjectiveJob(mkdtempSync(join(tmpdir(), "kubetune-run-")), name, spec, args);
}

const outDir = () => join(mkdtempSync(join(tmpdir(), "kubetune-out-")), "run");
const results = (dir: string): Results => Results.parse(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")));

/** The most trials whose [start, finish] intervals overlap at one moment. */
function maxConcurrent(r: Results): number {
  const events = r.trials.flatMap((t) => [
    { at: Date.parse(t.startedAt ?? ""), d: 1 },
    { at: Date.parse(t.finishedAt ?? ""), d: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const e of events) most = Math.max(most, (now += e.d));
  return most;
}

test("a job runs maxTrials trials, never more than parallelTrials at once, and writes its results", async () => {
  const out = outDir();
  const r = await kubetune(["run", job("plain", {}, ["--steps=4", "--delay=30"]), "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  const res = results(out);
  assert.equal(res.trials.length, 8);
  assert.equal(res.status.reason, "MaxTrialsReached");
  assert.ok(res.trials.every((t) => t.outcome === "succeeded" && t.curve.length === 4));
  assert.ok(maxConcurrent(res) <= 3, `at most 3 trials at once, saw ${maxConcurrent(res)}`);
  const best = res.trials.reduce((a, b) => ((a.value ?? Infinity) <= (b.value ?? Infinity) ? a : b));
  assert.equal(res.best?.name, best.name);
  assert.equal(readFileSync(join(out, "trials.csv"), "utf8").trim().split("\n").length, 9);
  assert.match(readFileSync(join(out, "report.html"), "utf8"), /<svg[\s\S]*Learning curves/);
  assert.match(r.stderr, /Succeeded \(MaxTrialsReached\)/);
});

test("a grid is run exhaustively, once per point, and the job ends when it is exhausted", async () => {
  const out = outDir();
  const path = job("grid", {
    parameters: [
      { name: "x", type: "int", min: 0, max: 2 },
      { name: "y", type: "categorical", values: ["a", "b"] },
    ],
    search: { algorithm: "grid" },
    budget: { maxTrials: 20, parallelTrials: 4, maxFailedTrials: 0 },
  }, ["--steps=2", "--delay=5"]);
  const r = await kubetune(["run", path, "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  const res = results(out);
  assert.equal(res.status.reason, "SearchSpaceExhausted");
  assert.deepEqual(res.trials.map((t) => `${t.params.x}${t.params.y}`).sort(), ["0a", "0b", "1a", "1b", "2a", "2b"]);
});

test("early stopping stops bad trials while they run", async () => {
  const out = outDir();
  const path = job("asha", {
    earlyStopping: { algorithm: "asha", settings: { minResource: 1, reductionFactor: 3, maxResource: 9 } },
    budget: { maxTrials: 9, parallelTrials: 1, maxFailedTrials: 0 },
  }, ["--steps=9", "--delay=60"]);
  const r = await kubetune(["run", path, "--out", out, "--grace", "2"]);
  assert.equal(r.code, 0, r.stderr);
  const res = results(out);
  const stopped = res.trials.filter((t) => t.outcome === "earlyStopped");
  assert.ok(stopped.length > 0, "some trials are stopped early");
  for (const t of stopped) {
    assert.match(t.reason ?? "", /^asha: /);
    assert.ok(t.curve.length < 9, `${t.name} stopped before its last step (${t.curve.length} steps)`);
  }
  assert.ok(res.trials.some((t) => t.outcome === "succeeded"));
});

test("crashing trials use up the failure budget and fail the job with the reason", async () => {
  const out = outDir();
  const r = await kubetune(["run", job("crash", { budget: { maxTrials: 8, parallelTrials: 1, maxFailedTrials: 1 } }, ["--fail-above=-2"]), "--out", out]);
  assert.equal(r.code, 1);
  const res = results(out);
  assert.equal(res.status.reason, "MaxFailedTrialsExceeded");
  assert.equal(res.trials.filter((t) => t.outcome === "failed").length, 2);
  assert.match(res.trials[0]?.reason ?? "", /exited with code 3: objective: x=.* crashing on purpose/);
  assert.match(r.stderr, /✗ crash-00000 failed: exited with code 3/);
});

test("a trial that never reports the objective, or whose command is missing, is a failed trial with the reason", async () => {
  const silent = outDir();
  await kubetune(["run", job("silent", { budget: { maxTrials: 2, parallelTrials: 1, maxFailedTrials: 5 } }, ["--silent"]), "--out", silent]);
  assert.equal(results(silent).trials[0]?.reason, 'exited without reporting the objective metric "loss"');

  const missing = outDir();
  const path = job("missing", { budget: { maxTrials: 2, parallelTrials: 1, maxFailedTrials: 0 } });
  writeFileSync(path, readFileSync(path, "utf8").replace("- node\n", "- no-such-trainer-command\n"));
  const r = await kubetune(["run", path, "--out", missing]);
  assert.equal(r.code, 1);
  assert.match(results(missing).trials[0]?.reason ?? "", /command not found: no-such-trainer-command/);
});

test("an invalid manifest is refused with every problem before anything runs", async () => {
  const out = outDir();
  const path = job("bad", { budget: { maxTrials: 2, parallelTrials: 3 } });
  const r = await kubetune(["run", path, "--out", out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /spec\.budget\.parallelTrials: must not exceed maxTrials \(2\)/);
  assert.equal(existsSync(out), false);
});

test("a broken results directory on --resume is a clear error, never a fresh start", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubetune-broken-"));
  writeFileSync(join(dir, "results.json"), "{ not json");
  const r = await kubetune(["run", "--resume", dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot resume: .*results\.json is not valid JSON/);
  const empty = await kubetune(["run", "--resume", mkdtempSync(join(tmpdir(), "kubetune-empty-"))]);
  assert.match(empty.stderr, /has no results\.json/);
});

test("an interrupted run resumed from its directory yields the same trials as an uninterrupted one", async () => {
  const spec = { search: { algorithm: "bayesian", seed: 11 }, budget: { maxTrials: 9, parallelTrials: 1, maxFailedTrials: 0 } };
  const whole = outDir();
  assert.equal((await kubetune(["run", job("resume", spec, ["--steps=3", "--delay=40"]), "--out", whole])).code, 0);

  const parts = outDir();
  const path = job("resume", spec, ["--steps=3", "--delay=40"]);
  let sent = false;
  const first = await kubetune(["run", path, "--out", parts], (text, child) => {
    if (!sent && (text.match(/succeeded/g) ?? []).length >= 4) {
      sent = true;
      child.kill("SIGINT");
    }
  });
  assert.equal(first.code, 130, first.stderr);
  assert.match(first.stderr, /resume with: kubetune run --resume /);
  const partial = results(parts);
  assert.equal(partial.status.reason, "Interrupted");
  assert.ok(partial.trials.filter((t) => t.outcome !== null).length < 9);

  const second = await kubetune(["run", "--resume", parts]);
  assert.equal(second.code, 0, second.stderr);
  const a = results(whole).trials.map((t) => [t.name, t.params, t.value]);
  const b = results(parts).trials.map((t) => [t.name, t.params, t.value]);
  assert.deepEqual(b, a);
});

test("kubetune report regenerates report.html from results.json", async () => {
  const out = outDir();
  await kubetune(["run", job("report", { budget: { maxTrials: 3, parallelTrials: 3, maxFailedTrials: 0 } }, ["--steps=2", "--delay=5"]), "--out", out]);
  const target = join(out, "again.html");
  const r = await kubetune(["report", join(out, "results.json"), "--out", target]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(target, "utf8"), readFileSync(join(out, "report.html"), "utf8"));
});

test("--json prints one event per line", async () => {
  const out = outDir();
  const r = await kubetune(["run", job("json", { budget: { maxTrials: 2, parallelTrials: 1, maxFailedTrials: 0 } }, ["--steps=2", "--delay=5"]), "--out", out, "--json"]);
  const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string });
  assert.equal(events[0]?.type, "job-started");
  assert.equal(events.at(-1)?.type, "job-finished");
  assert.equal(events.filter((e) => e.type === "trial-finished").length, 2);
});

test("report.html renders in headless Chromium", async () => {
  const out = outDir();
  await kubetune(["run", job("shot", { earlyStopping: { algorithm: "median", settings: { minTrials: 2, startStep: 2 } }, budget: { maxTrials: 8, parallelTrials: 2, maxFailedTrials: 0 } }, ["--steps=6", "--delay=20"]), "--out", out]);
  const png = join(out, "report.png");
  const shot = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
      `--user-data-dir=${mkdtempSync(join(tmpdir(), "kubetune-chromium-"))}`, "--hide-scrollbars", "--window-size=1040,1400", `--screenshot=${png}`, `file://${join(out, "report.html")}`];
    const c = spawn("chromium", args);
    let stderr = "";
    c.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    c.on("error", (e) => resolve({ code: -1, stderr: `${e.message} (install Debian's chromium: bash test/prereqs.sh)` }));
    c.on("close", (code) => resolve({ code, stderr }));
  });
  assert.equal(shot.code, 0, shot.stderr);
  const bytes = readFileSync(png);
  assert.equal(bytes.subarray(1, 4).toString(), "PNG");
  // A blank page compresses to a few kilobytes; charts, text and the table make it far larger.
  assert.ok(bytes.length > 30_000, `the screenshot has content (${bytes.length} bytes)`);
});

/** A small job that tunes the real trainer on iris. */
function trainerJob(name: string, epochs: number, maxTrials: number): string {
  const path = job(name, {
    objective: { metric: "val_loss", direction: "minimize", additionalMetrics: ["val_accuracy"] },
    parameters: [
      { name: "learningRate", type: "double", min: 0.005, max: 0.1, scale: "log" },
      { name: "units", type: "int", min: 4, max: 32 },
    ],
    search: { algorithm: "sobol", seed: 2 },
    budget: { maxTrials, parallelTrials: 2, maxFailedTrials: 0 },
  });
  const text = readFileSync(path, "utf8").replace(/command:\n(\s+)- node\n\s+- test\/fixtures\/objective\.mjs\n/, (_m, indent: string) =>
    `command:\n${indent}- kubetune-trainer\n${indent}- --dataset=iris\n${indent}- --epochs=${epochs}\n${indent}- --learningRate=\${params.learningRate}\n${indent}- --units=\${params.units}\n`);
  writeFileSync(path, text);
  return path;
}

test("the real trainer reports every epoch through the SDK's stdout channel", async () => {
  const out = outDir();
  const r = await kubetune(["run", trainerJob("iris-stdio", 4, 2), "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  const res = results(out);
  assert.deepEqual(res.trials.map((t) => t.curve.map((p) => p.step)), [[1, 2, 3, 4], [1, 2, 3, 4]]);
  assert.ok(res.trials.every((t) => t.metrics.val_accuracy !== undefined && t.metrics.samples_per_second !== undefined));
});

test("with --nats, trials report over NATS JetStream and the run reads them there", async () => {
  const nats = await startNatsServer();
  try {
    const out = outDir();
    const r = await kubetune(["run", trainerJob("iris-nats", 3, 2), "--out", out, "--nats", nats.url]);
    assert.equal(r.code, 0, r.stderr);
    const res = results(out);
    assert.deepEqual(res.trials.map((t) => t.curve.length), [3, 3]);
    for (const t of res.trials) assert.doesNotMatch(readFileSync(join(out, "logs", `${t.name}.log`), "utf8"), /@@kubetune/, "nothing came over stdout");
  } finally {
    await nats.stop();
  }
});

test("with --nats, the run reads only reports signed with the trial's own key", async () => {
  const nats = await startNatsServer();
  try {
    const signingKey = Buffer.from("a-local-run-signing-key-of-32-bytes!");
    const got: [string, MetricMessage][] = [];
    const bad: string[] = [];
    const channel = await openNatsChannel(nats.url, "forge", signingKey, (t, m) => got.push([t, m]), (_t, problem) => bad.push(problem));
    const nc = await connect({ servers: nats.url });
    const js = jetstream(nc);
    const subject = "kubetune.metrics.local.forge.forge-00000";
    const body = JSON.stringify({ trial: "forge-00000", step: 1, metrics: { loss: -1000 } });
    const signedBy = (trial: string) => {
      const h = headers();
      h.set(SIGNATURE_HEADER, signReport(trialReportKey(signingKey, { namespace: "local", job: "forge", trial, uid: LOCAL_TRIAL_UID }), subject, body));
      return h;
    };
    await js.publish(subject, body);
    await js.publish(subject, body, { headers: signedBy("forge-00001") });
    await js.publish(subject, body, { headers: signedBy("forge-00000") });
    for (let i = 0; i < 100 && got.length + bad.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    await nc.close();
    await channel.close();
    assert.deepEqual(got, [["forge-00000", { trial: "forge-00000", step: 1, metrics: { loss: -1000 } }]]);
    assert.equal(bad.length, 2);
    assert.match(bad[0] ?? "", /no Kubetune-Signature header/);
    assert.match(bad[1] ?? "", /not signed with trial local\/forge-00000's key/);
  } finally {
    await nats.stop();
  }
});
