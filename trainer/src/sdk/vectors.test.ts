import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { encodeMetricMessage, formatReportLine, messageId, metricsSubject } from "../../../controller/src/api/metrics.ts";
import { signedMessageId, signReport } from "../../../controller/src/api/report-signature.ts";
import { capturedStreams } from "../testing.ts";
import { connectReporter } from "./index.ts";

// The vectors the Python SDK's tests check too (sdk/python/tests/test_vectors.py): both SDKs write the same bytes.
const vectors = JSON.parse(readFileSync(new URL("../../../test/fixtures/sdk-vectors.json", import.meta.url), "utf8")) as {
  reports: { namespace: string; job: string; trial: string; step: number; metrics: Record<string, number>; final: boolean; reportKey: string; subject: string; body: string; line: string; messageId: string; signature: string; signedMessageId: string }[];
  stdioSession: { env: Record<string, string>; calls: ([string, number, Record<string, number | string>] | [string])[]; stdout: string[]; stderr: string[] };
  reservedMetricNames: string[];
};

const number = (v: number | string) => (typeof v === "number" ? v : Number(v));

test("the TypeScript SDK writes the shared vectors' bodies, lines, message ids and signatures", () => {
  for (const v of vectors.reports) {
    const m = { trial: v.trial, step: v.step, metrics: v.metrics, ...(v.final ? { final: true as const } : {}) };
    assert.equal(metricsSubject(v.namespace, v.job, v.trial), v.subject);
    assert.equal(encodeMetricMessage(m), v.body);
    assert.equal(formatReportLine(m), v.line);
    assert.equal(messageId(v.namespace, v.trial, v.step, v.final), v.messageId);
    assert.equal(signReport(v.reportKey, v.subject, v.body), v.signature);
    assert.equal(signedMessageId(v.messageId, v.signature), v.signedMessageId);
  }
  assert.deepEqual(vectors.reservedMetricNames.toSorted(), Object.getOwnPropertyNames(Object.prototype).toSorted());
});

test("the TypeScript SDK's stdio transport writes the shared session's lines", async () => {
  const { stdout, stderr, out, err } = capturedStreams();
  const r = await connectReporter({ env: vectors.stdioSession.env, stdout, stdin: new PassThrough(), stderr, handleSignals: false });
  for (const [call, step, metrics] of vectors.stdioSession.calls) {
    if (call === "report") await r.report(step ?? 0, Object.fromEntries(Object.entries(metrics ?? {}).map(([k, v]) => [k, number(v)])));
    else await r.final();
  }
  await r.close();
  assert.deepEqual(out().split("\n").slice(0, -1), vectors.stdioSession.stdout);
  assert.deepEqual(err().split("\n").slice(0, -1), vectors.stdioSession.stderr);
});
