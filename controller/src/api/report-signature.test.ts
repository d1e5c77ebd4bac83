import { test } from "node:test";
import assert from "node:assert/strict";
import { signedMessageId, signReport, trialReportKey } from "./report-signature.ts";

// The test vector of docs/metrics-protocol.md ("Signed reports"), computed independently with Python's hmac module.
const VECTOR = {
  signingKey: "kubetune-example-signing-key-0123456789",
  trial: { namespace: "team-a", job: "mnist", trial: "mnist-00003", uid: "6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b" },
  reportKey: "ZGsUghM38uJ8jRJlJCS2o67BI1Pu1p_nObgIpDq3aN8",
  subject: "kubetune.metrics.team-a.mnist.mnist-00003",
  body: '{"trial":"mnist-00003","step":4,"metrics":{"loss":0.21,"val_loss":0.25}}',
  signature: "v1=rhuAfwc-BA1rFy_4zepXI900_quJvtBmHMLgrgE-lUg",
  messageId: "team-a/mnist-00003/4/rhuAfwc-BA1rFy_4",
};

test("a trial's report key and a report's signature match the documented test vector", () => {
  assert.equal(trialReportKey(Buffer.from(VECTOR.signingKey), VECTOR.trial), VECTOR.reportKey);
  assert.equal(signReport(VECTOR.reportKey, VECTOR.subject, VECTOR.body), VECTOR.signature);
  assert.equal(signReport(VECTOR.reportKey, VECTOR.subject, new TextEncoder().encode(VECTOR.body)), VECTOR.signature, "bytes and text sign alike");
  assert.equal(signedMessageId("team-a/mnist-00003/4", VECTOR.signature), VECTOR.messageId);
});

test("the key depends on every part of the trial's identity, the signature on the key, subject and every body byte", () => {
  const master = Buffer.from(VECTOR.signingKey);
  const keys = new Set([
    trialReportKey(master, VECTOR.trial),
    trialReportKey(master, { ...VECTOR.trial, namespace: "team-b" }),
    trialReportKey(master, { ...VECTOR.trial, job: "mnist2" }),
    trialReportKey(master, { ...VECTOR.trial, trial: "mnist-00004" }),
    trialReportKey(master, { ...VECTOR.trial, uid: "recreated" }),
    trialReportKey(Buffer.from(`${VECTOR.signingKey}!`), VECTOR.trial),
  ]);
  assert.equal(keys.size, 6);
  const sigs = new Set([
    signReport(VECTOR.reportKey, VECTOR.subject, VECTOR.body),
    signReport(`${VECTOR.reportKey}x`, VECTOR.subject, VECTOR.body),
    signReport(VECTOR.reportKey, "kubetune.metrics.team-a.mnist.mnist-00004", VECTOR.body),
    signReport(VECTOR.reportKey, VECTOR.subject, VECTOR.body.replace("0.25", "0.26")),
    signReport(VECTOR.reportKey, VECTOR.subject, `${VECTOR.body} `),
  ]);
  assert.equal(sigs.size, 5);
});
