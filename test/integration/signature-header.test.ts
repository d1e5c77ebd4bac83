import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { METRICS_STREAM, metricsSubject } from "../../controller/src/api/metrics.ts";
import { ensureMetricsStream } from "../../controller/src/ingest/stream.ts";
import { SIGNATURE_HEADER, signReport, trialReportKey } from "../../controller/src/api/report-signature.ts";
import { startIngest } from "../../controller/src/ingest/consumer.ts";
import { signatureHeader } from "../../controller/src/ingest/signature-header.ts";
import { createReportVerifier } from "../../controller/src/ingest/signature.ts";
import { createLogger } from "../../controller/src/telemetry/log.ts";
import { createMetrics } from "../../controller/src/telemetry/metrics.ts";
import { connectReporter } from "../../trainer/src/sdk/index.ts";
import { startNatsServer, type NatsServer } from "../nats-server.ts";

// The controller reads a report's signature from nats.js's raw message bytes, which are not its public
// API: a nats.js release that changed them would make it fall back to the slower full header decoding
// (still correct). This pins the fast path on real JetStream deliveries of reports the SDK signed.

if (spawnSync("nats-server", ["--version"]).status !== 0) throw new Error("nats-server is not installed; install it with `apt-get install -y nats-server` (.ci/run does)");

let server: NatsServer;
let nc: NatsConnection;

before(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
  await ensureMetricsStream(await jetstreamManager(nc));
});

after(async () => {
  await nc?.close();
  await server?.stop();
  if (server) rmSync(server.store, { recursive: true, force: true });
});

test("the signature of an SDK-signed report delivered by JetStream is read from the raw bytes, and the report verifies", async () => {
  const signingKey = Buffer.from("a-signing-key-of-at-least-32-bytes!!");
  const trial = { namespace: "team-a", job: "mnist", trial: "mnist-00001", uid: "uid-1" };
  const env = { KUBETUNE_NATS_URL: server.url, KUBETUNE_NAMESPACE: trial.namespace, KUBETUNE_JOB: trial.job, KUBETUNE_TRIAL: trial.trial, KUBETUNE_REPORT_KEY: trialReportKey(signingKey, trial) };
  const r = await connectReporter({ env, handleSignals: false });
  for (let step = 1; step <= 3; step++) await r.report(step, { loss: 1 / step, val_accuracy: step / 10 });
  await r.final();
  await r.close();

  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(METRICS_STREAM, { durable_name: "signature-header", ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
  const consumer = await jetstream(nc).consumers.get(METRICS_STREAM, "signature-header");
  const delivered: JsMsg[] = [];
  for await (const m of await consumer.fetch({ max_messages: 4, expires: 5000 })) delivered.push(m);
  assert.equal(delivered.length, 4, "three steps and the final report");

  const verify = createReportVerifier({ signingKey, trialUid: () => trial.uid });
  for (const m of delivered) {
    assert.equal(m.subject, metricsSubject(trial.namespace, trial.job, trial.trial));
    const signature = signatureHeader(m);
    assert.equal((m as unknown as { msg: { _headers?: unknown } }).msg._headers, undefined, "read without nats.js decoding the header block");
    assert.equal(signature, m.headers?.get(SIGNATURE_HEADER), "the value nats.js's decoding gives");
    assert.deepEqual(verify(trial, m.subject, m.data, signature), { ok: true });
    assert.equal(verify({ ...trial, trial: "mnist-00002" }, m.subject, m.data, signature).ok, false, "another trial's key does not verify it");
  }
});

/** Publishes with a raw HPUB, as any client can: nats.js's own publish refuses a header value with a bare CR. */
async function rawPublish(subject: string, header: string, body: string): Promise<void> {
  const { hostname, port } = new URL(server.url.replace(/^nats:/, "http:"));
  const hpub = `HPUB ${subject} ${Buffer.byteLength(header)} ${Buffer.byteLength(header) + Buffer.byteLength(body)}\r\n${header}${body}\r\n`;
  await new Promise<void>((resolve, reject) => {
    const s = connectTcp(Number(port), hostname, () => s.write(`CONNECT {"verbose":false,"headers":true,"protocol":1}\r\n${hpub}PING\r\n`));
    s.on("data", (d: Buffer) => {
      if (d.toString().includes("PONG")) s.end(resolve);
    });
    s.on("error", reject);
  });
}

test("a stored report whose header block nats.js cannot decode reads as unsigned instead of throwing (which would stop the consumer)", async () => {
  const subject = metricsSubject("team-a", "mnist", "mnist-00009");
  const body = JSON.stringify({ trial: "mnist-00009", step: 1, metrics: { loss: 1 } });
  // A signature line not in the SDKs' form (two spaces), so the raw read hands it to nats.js's decoding.
  await rawPublish(subject, `NATS/1.0\r\n${SIGNATURE_HEADER}:  v1=x\r\nX-Evil: a\rb\r\n\r\n`, body);
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(METRICS_STREAM, { durable_name: "undecodable", ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.LastPerSubject, filter_subject: subject });
  const consumer = await jetstream(nc).consumers.get(METRICS_STREAM, "undecodable");
  const delivered: JsMsg[] = [];
  for await (const m of await consumer.fetch({ max_messages: 1, expires: 5000 })) delivered.push(m);
  const m = delivered[0];
  assert.ok(m, "nats-server stored and delivered it");
  assert.throws(() => m.headers, /cannot contain/, "nats.js refuses to decode it");
  assert.equal(signatureHeader(m), "");
});

test("the verifying consumer counts such a report as unsigned and keeps ingesting the reports after it", async () => {
  const signingKey = Buffer.from("another-signing-key-of-32-bytes-or-more");
  const trial = { namespace: "team-c", job: "j", trial: "j-00001", uid: "uid-c" };
  const subject = metricsSubject(trial.namespace, trial.job, trial.trial);
  const report = (step: number) => JSON.stringify({ trial: trial.trial, step, metrics: { loss: 1 / step } });
  await rawPublish(subject, "NATS/1.0\r\nX-Evil: a\rb\r\n\r\n", report(1));
  const key = trialReportKey(signingKey, trial);
  await rawPublish(subject, `NATS/1.0\r\n${SIGNATURE_HEADER}: ${signReport(key, subject, report(2))}\r\n\r\n`, report(2));

  const lines: string[] = [];
  const metrics = createMetrics();
  const applied: number[] = [];
  const ingest = await startIngest({
    nc,
    durable: "poison",
    namespaces: [trial.namespace],
    target: { admission: () => ({ state: "running", uid: trial.uid, metrics: undefined }), apply: (_a, m) => void applied.push(m.step), persist: async () => {} },
    metrics,
    log: createLogger("info", (l) => void lines.push(l)),
    signingKey,
  });
  try {
    await until(async () => applied.includes(2));
    const counts = Object.fromEntries((await metrics.metricMessages.get()).values.map((v) => [v.labels.result, v.value]));
    assert.equal(counts.unsigned, 1, JSON.stringify(counts));
    assert.deepEqual(applied, [2]);
    assert.deepEqual(lines.filter((l) => l.includes("metric ingestion failed")), [], "the consumer never stopped");
  } finally {
    await ingest.stop();
  }
});

async function until(ok: () => Promise<boolean>, ms = 15_000): Promise<void> {
  for (const end = Date.now() + ms; !(await ok()); ) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
