import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { parseReportLine } from "../../../controller/src/api/metrics.ts";
import type { MetricMessage } from "../../../controller/src/api/metrics.ts";
import { replicaRole, reporterConfigFromEnv } from "./env.ts";
import { listenOnly } from "./connect.ts";
import { connectReporter, fitCallback } from "./index.ts";
import { metricsFromLogs } from "./fit-callback.ts";
import { capturedStreams } from "../testing.ts";
import { createReporter } from "./reporter.ts";
import type { Sink } from "./reporter.ts";

const CHILD = fileURLToPath(new URL("./fixtures/child.ts", import.meta.url));

function memorySink(): Sink & { sent: MetricMessage[]; closed: number } {
  const s = {
    sent: [] as MetricMessage[],
    closed: 0,
    async send(m: MetricMessage) {
      // Later reports finish sooner, so order is only kept if the reporter serializes them.
      await new Promise((r) => setTimeout(r, 10 - m.step));
      s.sent.push(m);
      return true;
    },
    async close() {
      s.closed++;
    },
  };
  return s;
}

test("the environment selects the transport and the trial address", () => {
  assert.deepEqual(reporterConfigFromEnv({}), { transport: "console", namespace: "default", job: "local", trial: "local" });
  assert.equal(reporterConfigFromEnv({ KUBETUNE_REPORT: "stdio", KUBETUNE_TRIAL: "t-3" }).transport, "stdio");
  assert.equal(reporterConfigFromEnv({ KUBETUNE_REPORT: "stdio", KUBETUNE_NATS_URL: "" }).transport, "stdio");
  assert.deepEqual(reporterConfigFromEnv({ KUBETUNE_NATS_URL: "nats://n:4222", KUBETUNE_REPORT: "stdio", KUBETUNE_NAMESPACE: "ns", KUBETUNE_JOB: "j", KUBETUNE_TRIAL: "j-00001" }), {
    transport: "nats",
    namespace: "ns",
    job: "j",
    trial: "j-00001",
    natsUrl: "nats://n:4222",
  });
  assert.throws(() => reporterConfigFromEnv({ KUBETUNE_NATS_URL: "nats://n:4222", KUBETUNE_JOB: "j" }), /KUBETUNE_NATS_URL is set but KUBETUNE_TRIAL is not/);
  assert.throws(() => reporterConfigFromEnv({ KUBETUNE_REPORT: "ipc" }), /KUBETUNE_REPORT must be "stdio" or "console"/);
  assert.throws(() => reporterConfigFromEnv({ KUBETUNE_TRIAL: "a.b" }), /KUBETUNE_TRIAL must contain only letters/);
});

test("reports are delivered in call order; final repeats the last step", async () => {
  const sink = memorySink();
  const r = createReporter({ transport: "console", trial: "t", sink, warn: () => {} });
  await Promise.all([1, 2, 3].map((step) => r.report(step, { loss: step })));
  await r.final();
  await r.close();
  await r.close();
  assert.deepEqual(sink.sent.map((m) => [m.step, m.metrics.loss, m.final]), [[1, 1, undefined], [2, 2, undefined], [3, 3, undefined], [3, 3, true]]);
  assert.equal(sink.closed, 1);
  assert.deepEqual(r.stats(), { sent: 4, dropped: 0 });
  await assert.rejects(r.report(4, { loss: 1 }), /report after close/);
});

test("bad input is refused, non-finite values are dropped with one warning", async () => {
  const sink = memorySink();
  const warnings: string[] = [];
  const r = createReporter({ transport: "console", trial: "t", sink, warn: (w) => warnings.push(w) });
  await assert.rejects(r.report(-1, {}), /step must be ≥ 0, got -1/);
  await assert.rejects(r.report(1.5, {}), /step must be an integer/);
  await assert.rejects(r.report(1, { "bad name": 1 }), /metric name "bad name"/);
  await r.report(1, { loss: Number.NaN, accuracy: 0.5 });
  await r.report(2, { loss: Number.POSITIVE_INFINITY, accuracy: 0.6 });
  await r.final({ accuracy: 0.6 });
  await assert.rejects(r.final(), /already called/);
  await assert.rejects(r.report(3, { accuracy: 0.7 }), /report\(\) after final\(\)/);
  assert.deepEqual(sink.sent.map((m) => m.metrics), [{ accuracy: 0.5 }, { accuracy: 0.6 }, { accuracy: 0.6 }]);
  assert.deepEqual(warnings, ["metric loss is NaN; non-finite values are not reported"]);
});

test("onStop fires once per listener, also for listeners added after the stop", async () => {
  const r = createReporter({ transport: "console", trial: "t", sink: memorySink(), warn: () => {} });
  const seen: string[] = [];
  const off = r.onStop((why) => seen.push(`a:${why}`));
  r.onStop((why) => seen.push(`b:${why}`));
  off();
  r.requestStop("median rule");
  r.requestStop("again");
  const late = await new Promise<string>((resolve) => r.onStop(resolve));
  assert.deepEqual(seen, ["b:median rule"]);
  assert.equal(late, "median rule");
  assert.equal(r.stopReason, "median rule");
});

test("stdio transport writes @@kubetune lines and takes stop requests from stdin", async () => {
  const { stdout, stderr, out, err } = capturedStreams();
  const stdin = new PassThrough();
  const r = await connectReporter({ env: { KUBETUNE_REPORT: "stdio", KUBETUNE_TRIAL: "local-7" }, stdout, stdin, stderr, handleSignals: false });
  const stopped = new Promise<string>((resolve) => r.onStop(resolve));
  await r.report(1, { loss: 0.5, accuracy: 0.75 });
  stdin.write("garbage\n");
  stdin.write('{"action":"stop","reason":"user pressed q"}\n');
  assert.equal(await stopped, "user pressed q");
  await r.final();
  await r.close();
  const lines = out().trimEnd().split("\n");
  assert.deepEqual(lines.map(parseReportLine), [
    { ok: true, message: { trial: "local-7", step: 1, metrics: { loss: 0.5, accuracy: 0.75 } } },
    { ok: true, message: { trial: "local-7", step: 1, metrics: { loss: 0.5, accuracy: 0.75 }, final: true } },
  ]);
  assert.match(err(), /ignoring bad control line on stdin: not JSON/);
});

test("console transport prints humane lines on stderr only", async () => {
  const { stdout, stderr, out, err } = capturedStreams();
  const r = await connectReporter({ env: {}, stdout, stderr, handleSignals: false });
  await r.report(2, { loss: 0.123456, samples_per_second: 1500 });
  await r.final();
  await r.close();
  assert.equal(out(), "");
  assert.equal(err(), "kubetune: step 2  loss=0.1235  samples_per_second=1500\nkubetune: final  step 2  loss=0.1235  samples_per_second=1500\n");
});

test("fitCallback reports tfjs epoch logs under kubetune names and stops fit", async () => {
  const sink = memorySink();
  const r = createReporter({ transport: "console", trial: "t", sink, warn: () => {} });
  const model = { stopTraining: false };
  const cb = fitCallback(r, model, { samplesPerEpoch: 100 });
  await cb.onEpochBegin(0);
  await cb.onEpochEnd(0, { loss: 0.9, acc: 0.5, val_loss: 1, val_acc: 0.4 });
  assert.equal(model.stopTraining, false);
  await cb.onEpochBegin(1);
  r.requestStop("asha");
  assert.equal(model.stopTraining, true);
  await cb.onEpochEnd(1, { loss: 0.5 }); // cut short by the stop: not reported
  const [m] = sink.sent;
  assert.equal(sink.sent.length, 1);
  assert.equal(m?.step, 1);
  assert.deepEqual(Object.keys(m?.metrics ?? {}).sort(), ["accuracy", "epoch_time_seconds", "loss", "samples_per_second", "val_accuracy", "val_loss"]);
  assert.deepEqual(metricsFromLogs({ acc: 1, val_acc: 0.5, mse: 2, note: "x" }), { accuracy: 1, val_accuracy: 0.5, mse: 2 });
});

function runChild(args: string[], env: Record<string, string>, onStderr?: (text: string, child: ReturnType<typeof spawn>) => void) {
  const child = spawn(process.execPath, [CHILD, ...args], { env: { ...process.env, KUBETUNE_NATS_URL: "", ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
    onStderr?.(err, child);
  });
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on("exit", (code) => resolve({ code, out, err })));
}

test("a stdio trial exits on its own although its stdin pipe stays open", async () => {
  const { code, out, err } = await runChild(["train"], { KUBETUNE_REPORT: "stdio" });
  assert.equal(code, 0, err);
  const reports = out.trimEnd().split("\n").map(parseReportLine);
  assert.deepEqual(reports.map((r) => (r.ok ? [r.message.step, r.message.final ?? false] : r)), [[1, false], [2, false], [3, false], [3, true]]);
});

test("SIGTERM is a graceful stop: final report, exit 0", async () => {
  let signalled = false;
  const { code, out, err } = await runChild(["loop"], { KUBETUNE_REPORT: "stdio" }, (text, child) => {
    if (!signalled && text.includes("ready")) {
      signalled = true;
      child.kill("SIGTERM");
    }
  });
  assert.equal(code, 0, err);
  assert.match(err, /done stopReason=SIGTERM/);
  const last = parseReportLine(out.trimEnd().split("\n").at(-1) ?? "");
  assert.ok(last.ok && last.message.final === true);
});

test("a stop line on stdin stops a stdio trial gracefully", async () => {
  let sent = false;
  const { code, err } = await runChild(["loop"], { KUBETUNE_REPORT: "stdio" }, (text, child) => {
    if (!sent && text.includes("ready")) {
      sent = true;
      child.stdin?.write('{"action":"stop","reason":"median rule"}\n');
    }
  });
  assert.equal(code, 0, err);
  assert.match(err, /done stopReason=median rule/);
});

test("SIGTERM without an onStop handler flushes and exits 143", async () => {
  let signalled = false;
  const { code, err } = await runChild(["no-handler"], { KUBETUNE_REPORT: "stdio" }, (text, child) => {
    if (!signalled && text.includes("ready")) {
      signalled = true;
      child.kill("SIGTERM");
    }
  });
  assert.equal(code, 143);
  assert.match(err, /SIGTERM and no onStop handler/);
});

test("importing the SDK does not load TensorFlow.js", async () => {
  const probe = (what: string) =>
    `await import(${JSON.stringify(what)}); process.stdout.write(String("_tfengine" in globalThis));`;
  const run = (code: string) =>
    new Promise<string>((resolve) => {
      const c = spawn(process.execPath, ["--input-type=module", "-e", code], { cwd: fileURLToPath(new URL("../../..", import.meta.url)) });
      let out = "";
      c.stdout.on("data", (d: Buffer) => (out += d.toString()));
      c.on("exit", () => resolve(out));
    });
  assert.equal(await run(probe(new URL("./index.ts", import.meta.url).href)), "false");
  // The probe itself works: tfjs does register its engine on globalThis.
  assert.equal(await run(probe("@tensorflow/tfjs")), "true");
});

test("the replica whose reports make the curve: rank 0 by default (RANK, then JOB_COMPLETION_INDEX…), or KUBETUNE_OBJECTIVE_RANK", () => {
  assert.deepEqual(replicaRole({}), { rank: 0, objectiveRank: 0, primary: true });
  assert.equal(replicaRole({ RANK: "0" }).primary, true);
  assert.equal(replicaRole({ RANK: "2" }).primary, false);
  assert.equal(replicaRole({ JOB_COMPLETION_INDEX: "1" }).primary, false);
  assert.equal(replicaRole({ RANK: "", JOB_COMPLETION_INDEX: "0" }).primary, true, "an empty variable is unset");
  assert.deepEqual(replicaRole({ RANK: "3", KUBETUNE_OBJECTIVE_RANK: "3" }), { rank: 3, objectiveRank: 3, primary: true });
  assert.equal(replicaRole({ KUBETUNE_OBJECTIVE_RANK: "1" }).primary, false);
  assert.throws(() => replicaRole({ KUBETUNE_OBJECTIVE_RANK: "first" }), /KUBETUNE_OBJECTIVE_RANK must be a whole number/);
});

test("a non-reporting replica's sink keeps its reports on stderr and closes the real sink", async () => {
  const sent: unknown[] = [];
  let closed = false;
  const real: Sink = { send: async (m) => (sent.push(m), true), close: async () => void (closed = true) };
  const lines: string[] = [];
  const stderr = { write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WritableStream;
  const sink = listenOnly(real, stderr);
  assert.equal(await sink.send({ trial: "t-00001", step: 1, metrics: { loss: 0.5 } }), true);
  assert.deepEqual(sent, [], "nothing is published");
  assert.match(lines.join(""), /step 1 {2}loss=0.5/);
  await sink.close();
  assert.equal(closed, true);
});
