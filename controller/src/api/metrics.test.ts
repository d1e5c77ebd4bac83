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

/** What a refused decode says ("<reason>: <detail>"), or "accepted". */
function refusal(r: { ok: true } | { ok: false; reason: string; detail: string }): string {
  return r.ok ? "accepted" : `${r.reason}: ${r.detail}`;
}

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
  assert.deepEqual(decodeMetricMessage(encodeMetricMessage(m)), { ok: true, message: m });
  assert.deepEqual(decodeMetricMessage(new TextEncoder().encode(JSON.stringify(m))), { ok: true, message: m });
  const bad = (body: unknown) => refusal(decodeMetricMessage(JSON.stringify(body)));
  assert.match(bad({ trial: "t", step: -1, metrics: {} }), /^invalid_schema: .*step must be an integer ≥ 0/);
  assert.match(bad({ trial: "t", step: 1.5, metrics: {} }), /^invalid_schema: .*step/);
  assert.match(bad({ trial: "t", step: 1, metrics: { loss: "1" } }), /^invalid_schema: .*metrics/);
  assert.match(bad({ trial: "t", step: 1, metrics: {}, final: false }), /^invalid_schema: .*final/);
  assert.match(bad({ trial: "t", step: 1, metrics: {}, extra: 1 }), /^invalid_schema: .*extra/);
  assert.match(refusal(decodeMetricMessage("{nope")), /^invalid_json: not JSON/);
  // JSON.parse makes __proto__ an own key that the schema would drop, leaving a report of nothing.
  for (const name of ["__proto__", "constructor", "toString"]) {
    assert.match(refusal(decodeMetricMessage(`{"trial":"t","step":1,"metrics":{"${name}":1,"loss":2}}`)), new RegExp(`^invalid_schema: metric name "${name}" is reserved`));
    assert.match(refusal(parseReportLine(`@@kubetune {"trial":"t","step":1,"metrics":{"${name}":1}}`)), new RegExp(`^invalid_schema: bad kubetune report line: metric name "${name}" is reserved`));
  }
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
  assert.match(refusal(decodeMetricMessage(body)), /^too_large: .*over the 65536-byte limit/);
});

test("control messages are validated", () => {
  assert.deepEqual(decodeControlMessage('{"action":"stop","reason":"asha"}'), { ok: true, message: { action: "stop", reason: "asha" } });
  assert.match(refusal(decodeControlMessage('{"action":"pause","reason":"x"}')), /^invalid_schema: .*action/);
  assert.match(refusal(decodeControlMessage('{"action":"stop"}')), /^invalid_schema: .*reason/);
  assert.match(refusal(decodeControlMessage("stop")), /^invalid_json: not JSON/);
});

test("parseReportLine tells reports, ordinary output and broken reports apart", () => {
  const m = { trial: "local", step: 2, metrics: { loss: 1.5 } };
  const line = formatReportLine(m);
  assert.ok(line.startsWith("@@kubetune {"));
  assert.deepEqual(parseReportLine(line), { ok: true, message: m });
  assert.deepEqual(parseReportLine(`${line}\r`), { ok: true, message: m });
  assert.match(refusal(parseReportLine("Epoch 2: loss 1.5")), /^not_a_report: /);
  assert.match(refusal(parseReportLine("")), /^not_a_report: /);
  assert.match(refusal(parseReportLine('@@kubetune {"trial":"local","step":-2,"metrics":{}}')), /^invalid_schema: bad kubetune report line: .*step/);
  assert.match(refusal(parseReportLine("@@kubetune {")), /^invalid_json: bad kubetune report line: not JSON/);
});
