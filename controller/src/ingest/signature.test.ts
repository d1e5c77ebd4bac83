import { test } from "node:test";
import assert from "node:assert/strict";
import { signReport, trialReportKey } from "../api/report-signature.ts";
import { createReportVerifier } from "./signature.ts";

const signingKey = Buffer.from("a-signing-key-of-at-least-32-bytes!!");
const body = new TextEncoder().encode('{"trial":"t","step":1,"metrics":{"loss":1}}');
const at = (trial: string) => ({ namespace: "ns", job: "j", trial });
const subjectOf = (trial: string) => `kubetune.metrics.ns.j.${trial}`;

test("keys evicted from a full cache are derived again, and a trial's new uid means a new key", () => {
  const uids: Record<string, string> = { a: "uid-a", b: "uid-b", c: "uid-c" };
  const verify = createReportVerifier({ signingKey, trialUid: (a) => uids[a.trial], cacheSize: 2 });
  const sign = (trial: string) => signReport(trialReportKey(signingKey, { ...at(trial), uid: uids[trial] ?? "" }), subjectOf(trial), body);
  for (const trial of ["a", "b", "c", "a", "c", "b", "a"]) assert.deepEqual(verify(at(trial), subjectOf(trial), body, sign(trial)), { ok: true }, trial);
  const old = sign("a");
  uids.a = "uid-a2";
  assert.equal(verify(at("a"), subjectOf("a"), body, old).ok, false, "the recreated trial's predecessor's key no longer works");
  assert.deepEqual(verify(at("a"), subjectOf("a"), body, sign("a")), { ok: true });
  const keyless = verify(at("z"), subjectOf("z"), body, sign("a"));
  assert.equal(keyless.ok || keyless.reason, "no_key");
});

test("trials sharing a uid (as a local run's do) still each need their own key", () => {
  const verify = createReportVerifier({ signingKey, trialUid: () => "local", cacheSize: 4 });
  const sign = (trial: string, subject: string) => signReport(trialReportKey(signingKey, { ...at(trial), uid: "local" }), subject, body);
  assert.deepEqual(verify(at("a"), subjectOf("a"), body, sign("a", subjectOf("a"))), { ok: true });
  assert.equal(verify(at("b"), subjectOf("b"), body, sign("a", subjectOf("b"))).ok, false, "a's key does not speak for b");
  assert.deepEqual(verify(at("b"), subjectOf("b"), body, sign("b", subjectOf("b"))), { ok: true });
  assert.deepEqual(verify(at("a"), subjectOf("a"), body, sign("a", subjectOf("a"))), { ok: true });
});
