import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MAX_METRICS_PER_REPORT,
  MAX_STEP,
  controlSubject,
  decodeControlMessage,
  decodeMetricMessage,
  encodeMetricMessage,
  formatReportLine,
  MAX_MESSAGE_BYTES,
  messageId,
  metricsSubject,
  parseControlSubject,
  parseMetricsSubject,
  parseReportLine,
} from "./metrics.ts";

test("subjects are built from and parsed back into namespace, job and trial", () => {
  assert.equal(metricsSubject("team-a", "mnist", "mnist-00003"), "kubetune.metrics.team-a.mnist.mnist-00003");
  assert.equal(controlSubject("team-a", "mnist", "mnist-00003"), "kubetune.control.team-a.mnist.mnist-00003");
  assert.deepEqual(parseMetricsSubject("kubetune.metrics.team-a.mnist.mnist-00003"), { namespace: "team-a", job: "mnist", trial: "mnist-00003" });
  assert.deepEqual(parseControlSubject("kubetune.control.ns.j.t"), { namespace: "ns", job: "j", trial: "t" });
  assert.equal(parseMetricsSubject("kubetune.control.ns.j.t"), null);
  assert.equal(parseMetricsSubject("kubetune.metrics.ns.j"), null);
  assert.equal(parseMetricsSubject("kubetune.metrics.ns.j.t.extra"), null);
  assert.equal(parseMetricsSubject("kubetune.metrics.ns.*.t"), null);
});

test("subject builders reject tokens that would change the subject's shape", () => {
  assert.throws(() => metricsSubject("a.b", "j", "t"), /namespace "a.b" must contain only/);
  assert.throws(() => metricsSubject("ns", "j", ">"), /trial/);
  assert.throws(() => controlSubject("ns", "", "t"), /job/);
});

test("message ids keep a final report distinct from the step it repeats", () => {
  assert.equal(messageId("ns", "t-1", 7), "ns/t-1/7");
  assert.equal(messageId("ns", "t-1", 7, true), "ns/t-1/7/final");
});

test("metric messages round-trip and invalid ones are rejected with the reason", () => {
  const m = { trial: "t", step: 3, metrics: { loss: 0.25, val_accuracy: 0.9 }, final: true as const };
  assert.deepEqual(decodeMetricMessage(encodeMetricMessage(m)), m);
  assert.deepEqual(decodeMetricMessage(new TextEncoder().encode(JSON.stringify(m))), m);
  const bad = (body: unknown) => decodeMetricMessage(JSON.stringify(body));
  assert.match(String(bad({ trial: "t", step: -1, metrics: {} })), /step must be an integer ≥ 0/);
  assert.match(String(bad({ trial: "t", step: 1.5, metrics: {} })), /step/);
  assert.match(String(bad({ trial: "t", step: 1, metrics: { loss: "1" } })), /metrics/);
  assert.match(String(bad({ trial: "t", step: 1, metrics: {}, final: false })), /final/);
  assert.match(String(bad({ trial: "t", step: 1, metrics: {}, extra: 1 })), /extra/);
  assert.match(String(decodeMetricMessage("{nope")), /not JSON/);
  assert.throws(() => encodeMetricMessage({ trial: "t", step: 1, metrics: { loss: Number.NaN } }), /finite/);
});

test("the most metrics a report may carry, with the longest names, fit in a message; one more is refused", () => {
  const metrics: Record<string, number> = {};
  for (let i = 0; i < MAX_METRICS_PER_REPORT; i++) metrics[`m${String(i).padStart(127, "0")}`] = -1.2345678901234567e-300;
  assert.ok(Buffer.byteLength(encodeMetricMessage({ trial: "t", step: MAX_STEP, metrics })) <= MAX_MESSAGE_BYTES);
  metrics.one_more = 1;
  assert.throws(() => encodeMetricMessage({ trial: "t", step: 1, metrics }), /at most 256 metrics/);
});

test("messages over 64 KiB are refused on both sides", () => {
  const metrics = { loss: 1 };
  const trial = "t".repeat(70_000);
  assert.throws(() => encodeMetricMessage({ trial, step: 1, metrics }), /over the 65536-byte limit/);
  const body = JSON.stringify({ trial, step: 1, metrics });
  assert.ok(body.length > MAX_MESSAGE_BYTES);
  assert.match(String(decodeMetricMessage(body)), /over the 65536-byte limit/);
});

test("control messages are validated", () => {
  assert.deepEqual(decodeControlMessage('{"action":"stop","reason":"asha"}'), { action: "stop", reason: "asha" });
  assert.ok(decodeControlMessage('{"action":"pause","reason":"x"}') instanceof Error);
  assert.ok(decodeControlMessage('{"action":"stop"}') instanceof Error);
});

test("parseReportLine tells reports, ordinary output and broken reports apart", () => {
  const m = { trial: "local", step: 2, metrics: { loss: 1.5 } };
  const line = formatReportLine(m);
  assert.ok(line.startsWith("@@kubetune {"));
  assert.deepEqual(parseReportLine(line), m);
  assert.deepEqual(parseReportLine(`${line}\r`), m);
  assert.equal(parseReportLine("Epoch 2: loss 1.5"), null);
  assert.equal(parseReportLine(""), null);
  const broken = parseReportLine('@@kubetune {"trial":"local","step":-2,"metrics":{}}');
  assert.ok(broken instanceof Error);
  assert.match(broken.message, /bad kubetune report line: .*step/);
});
