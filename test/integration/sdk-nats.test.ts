import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PassThrough } from "node:stream";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { JetStreamManager } from "@nats-io/jetstream";
import { METRICS_STREAM, metricsSubject, controlSubject, decodeMetricMessage } from "../../controller/src/api/metrics.ts";
import { ensureMetricsStream } from "../../controller/src/ingest/stream.ts";
import type { MetricMessage } from "../../controller/src/api/metrics.ts";
import { SIGNATURE_HEADER, signReport } from "../../controller/src/api/report-signature.ts";
import { connectReporter } from "../../trainer/src/sdk/index.ts";
import { freePort, startNatsServer, type NatsServer } from "../nats-server.ts";

const hasServer = spawnSync("nats-server", ["--version"]).status === 0;
if (!hasServer) throw new Error("nats-server is not installed; install it with `apt-get install -y nats-server` (.ci/run does)");

let server: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;

const url = () => server.url;
const env = (trial: string) => ({ KUBETUNE_NATS_URL: url(), KUBETUNE_NAMESPACE: "team-a", KUBETUNE_JOB: "mnist", KUBETUNE_TRIAL: trial });

async function storedFor(trial: string): Promise<{ id: string; message: MetricMessage }[]> {
  const info = await jsm.streams.info(METRICS_STREAM);
  const out: { id: string; message: MetricMessage }[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const sm = await jsm.streams.getMessage(METRICS_STREAM, { seq });
    if (!sm || sm.subject !== metricsSubject("team-a", "mnist", trial)) continue;
    const m = decodeMetricMessage(sm.data);
    if (!m.ok) throw new Error(m.detail);
    out.push({ id: sm.header.get("Nats-Msg-Id"), message: m.message });
  }
  return out;
}

before(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: url(), maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  jsm = await jetstreamManager(nc);
  const info = await ensureMetricsStream(jsm);
  assert.deepEqual(info.config.subjects, ["kubetune.metrics.>"]);
  assert.equal(info.config.max_msg_size, 64 * 1024);
  // A second call finds the stream instead of failing.
  assert.equal((await ensureMetricsStream(jsm)).config.name, METRICS_STREAM);
});

after(async () => {
  await nc?.close();
  await server?.stop();
  if (server) rmSync(server.store, { recursive: true, force: true });
});

test("reports arrive once, in order, with <namespace>/<trial>/<step> ids", async () => {
  const r = await connectReporter({ env: env("mnist-00001"), handleSignals: false });
  assert.equal(r.transport, "nats");
  // Not awaited one by one: the reporter itself must keep them in order.
  const pending = [1, 2, 3, 4, 5].map((step) => r.report(step, { loss: 1 / step, val_accuracy: step / 10 }));
  await Promise.all(pending);
  await r.report(3, { loss: 99 }); // a retried publish of a step already stored is deduplicated
  await r.final();
  await r.close();
  assert.deepEqual(r.stats(), { sent: 7, dropped: 0 });
  const stored = await storedFor("mnist-00001");
  assert.deepEqual(stored.map((s) => s.id), ["team-a/mnist-00001/1", "team-a/mnist-00001/2", "team-a/mnist-00001/3", "team-a/mnist-00001/4", "team-a/mnist-00001/5", "team-a/mnist-00001/3/final"]);
  assert.deepEqual(stored[2]?.message, { trial: "mnist-00001", step: 3, metrics: { loss: 1 / 3, val_accuracy: 0.3 } });
  assert.deepEqual(stored[5]?.message, { trial: "mnist-00001", step: 3, metrics: { loss: 99 }, final: true });
});

test("with KUBETUNE_REPORT_KEY every report carries the trial's signature; without it none, and a warning", async () => {
  const key = "trial-report-key-for-the-test";
  const r = await connectReporter({ env: { ...env("mnist-00006"), KUBETUNE_REPORT_KEY: key }, handleSignals: false });
  await r.report(1, { loss: 0.5 });
  await r.final();
  await r.close();
  const subject = metricsSubject("team-a", "mnist", "mnist-00006");
  const info = await jsm.streams.info(METRICS_STREAM);
  const signed: [string, string, string][] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const sm = await jsm.streams.getMessage(METRICS_STREAM, { seq }).catch(() => null);
    if (sm?.subject === subject) signed.push([sm.header.get(SIGNATURE_HEADER), signReport(key, subject, sm.data), sm.header.get("Nats-Msg-Id")]);
  }
  assert.equal(signed.length, 2);
  for (const [given, expected] of signed) assert.equal(given, expected);
  assert.deepEqual(signed.map(([, sig, id]) => id.replace(sig.slice(3, 19), "<sig>")), ["team-a/mnist-00006/1/<sig>", "team-a/mnist-00006/1/final/<sig>"]);

  const stderr = new PassThrough();
  let log = "";
  stderr.on("data", (d: Buffer) => (log += d.toString()));
  const unsigned = await connectReporter({ env: env("mnist-00007"), stderr, handleSignals: false });
  await unsigned.report(1, { loss: 0.5 });
  await unsigned.close();
  const last = await jsm.streams.getMessage(METRICS_STREAM, { last_by_subj: metricsSubject("team-a", "mnist", "mnist-00007") });
  assert.equal(last?.header.get(SIGNATURE_HEADER) ?? "", "");
  assert.match(log, /KUBETUNE_REPORT_KEY is not set: reports go unsigned/);
});

test("another trial cannot make JetStream drop a signed report by claiming its message id first", async () => {
  const subject = metricsSubject("team-a", "mnist", "mnist-00008");
  await jetstream(nc).publish(subject, '{"trial":"mnist-00008","step":1,"metrics":{"loss":-1000}}', { msgID: "team-a/mnist-00008/1" });
  const r = await connectReporter({ env: { ...env("mnist-00008"), KUBETUNE_REPORT_KEY: "trial-report-key-for-the-test" }, handleSignals: false });
  await r.report(1, { loss: 0.5 });
  await r.close();
  const last = await jsm.streams.getMessage(METRICS_STREAM, { last_by_subj: subject });
  const stored = decodeMetricMessage(last?.data ?? new Uint8Array());
  assert.ok(stored.ok && stored.message.metrics.loss === 0.5, `the real report is stored, not dropped as a duplicate: ${JSON.stringify(stored)}`);
});

test("a stop request on the control subject reaches onStop", async () => {
  const r = await connectReporter({ env: env("mnist-00002"), handleSignals: false });
  const reason = new Promise<string>((resolve) => r.onStop(resolve));
  nc.publish(controlSubject("team-a", "mnist", "mnist-00002"), "not json");
  nc.publish(controlSubject("team-a", "mnist", "mnist-00003"), JSON.stringify({ action: "stop", reason: "someone else" }));
  nc.publish(controlSubject("team-a", "mnist", "mnist-00002"), JSON.stringify({ action: "stop", reason: "asha: rung 2" }));
  assert.equal(await reason, "asha: rung 2");
  assert.equal(r.stopRequested, true);
  await r.close();
});

test("a publish during a server restart is retried and stored once", async () => {
  const r = await connectReporter({ env: env("mnist-00004"), handleSignals: false, nats: { publishAttempts: 40, publishTimeoutMs: 500, retryDelayMs: 100 } });
  await r.report(1, { loss: 1 });
  await server.stop();
  const during = r.report(2, { loss: 0.5 });
  server = await startNatsServer({ port: server.port, store: server.store });
  await during;
  await r.close();
  assert.deepEqual(r.stats(), { sent: 2, dropped: 0 });
  assert.deepEqual((await storedFor("mnist-00004")).map((s) => s.id), ["team-a/mnist-00004/1", "team-a/mnist-00004/2"]);
});

test("when JetStream cannot store reports, publishing gives up after the configured attempts", async () => {
  await jsm.streams.delete(METRICS_STREAM);
  try {
    const stderr = new PassThrough();
    let log = "";
    stderr.on("data", (d: Buffer) => (log += d.toString()));
    const r = await connectReporter({ env: env("mnist-00005"), stderr, handleSignals: false, nats: { publishAttempts: 2, publishTimeoutMs: 300, retryDelayMs: 10 } });
    await r.report(1, { loss: 1 });
    await r.close();
    assert.deepEqual(r.stats(), { sent: 0, dropped: 1 });
    assert.match(log, /dropping report of step 1 after 2 publish attempts/);
  } finally {
    await ensureMetricsStream(jsm);
  }
});

test("kubetune-trainer publishes its run to JetStream and obeys a stop on the control subject", async () => {
  const main = fileURLToPath(new URL("../../trainer/src/main.ts", import.meta.url));
  const done = spawnSync(process.execPath, [main, "--epochs=3"], { env: { ...process.env, ...env("iris-00001"), KUBETUNE_REPORT: "", KUBETUNE_PARAMS: '{"dataset":"iris"}' } });
  assert.equal(done.status, 0, done.stderr.toString());
  const stored = await storedFor("iris-00001");
  assert.deepEqual(stored.map((s) => s.id), ["team-a/iris-00001/0", "team-a/iris-00001/1", "team-a/iris-00001/2", "team-a/iris-00001/3", "team-a/iris-00001/3/final"]);
  assert.ok((stored[3]?.message.metrics.val_accuracy ?? -1) >= 0);

  const child = spawn(process.execPath, [main, "--epochs=100000"], { env: { ...process.env, ...env("iris-00002"), KUBETUNE_REPORT: "", KUBETUNE_PARAMS: "" }, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  while ((await storedFor("iris-00002")).length < 3) await new Promise((r) => setTimeout(r, 50));
  nc.publish(controlSubject("team-a", "mnist", "iris-00002"), JSON.stringify({ action: "stop", reason: "asha: rung 1" }));
  assert.equal(await exited, 0, err);
  assert.match(err, /stopped \(asha: rung 1\)/);
  const last = (await storedFor("iris-00002")).at(-1);
  assert.equal(last?.message.final, true);
  assert.match(last?.id ?? "", /^team-a\/iris-00002\/\d+\/final$/);
});

test("an unreachable server fails connectReporter with a message naming the URL", async () => {
  const dead = await freePort();
  await assert.rejects(
    connectReporter({ env: { ...env("t"), KUBETUNE_NATS_URL: `nats://127.0.0.1:${dead}` }, handleSignals: false, nats: { connectAttempts: 2 } }),
    new RegExp(`cannot connect to NATS at nats://127.0.0.1:${dead} after 2 attempts`),
  );
});
