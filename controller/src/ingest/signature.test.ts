import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { signReport, trialReportKey } from "../api/report-signature.ts";
import { createReportVerifier } from "./signature.ts";

const signingKey = Buffer.from("a-signing-key-of-at-least-32-bytes!!");
const body = new TextEncoder().encode('{"trial":"t","step":1,"metrics":{"loss":1}}');
const at = (trial: string) => ({ namespace: "ns", job: "j", trial });
const subjectOf = (trial: string) => `kubetune.metrics.ns.j.${trial}`;
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

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

/** The check as it was with createHmac and Buffer's base64url decoding: the fast one must agree with it on every input. */
function referenceCheck(key: string, subject: string, data: Uint8Array, signature: string | undefined): string {
  if (signature === undefined || signature === "") return "unsigned";
  const given = signature.startsWith("v1=") ? Buffer.from(signature.slice(3), "base64url") : undefined;
  if (given?.length !== 32) return "malformed";
  return timingSafeEqual(given, createHmac("sha256", key).update(subject).update("\n").update(data).digest()) ? "ok" : "forged";
}
const outcome = (c: ReturnType<ReturnType<typeof createReportVerifier>>): string => (c.ok ? "ok" : c.reason === "no_key" ? "no_key" : c.reason === "unsigned" ? "unsigned" : c.detail.includes("malformed") ? "malformed" : "forged");

test("the verifier accepts exactly the signatures createHmac and Buffer's base64url decoding accept, and refuses the same forgeries", () => {
  const verify = createReportVerifier({ signingKey, trialUid: (a) => `uid-${a.trial}` });
  let seed = 7;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  const flip = (s: string, i: number, c: string): string => s.slice(0, i) + c + s.slice(i + 1);
  const seen = new Map<string, number>();
  for (let i = 0; i < 2000; i++) {
    const trial = `t${next(50)}`;
    const key = trialReportKey(signingKey, { ...at(trial), uid: `uid-${trial}` });
    const data = randomBytes(next(400));
    const good = signReport(key, subjectOf(trial), data);
    const digest = good.slice(3);
    const other = signReport(key, subjectOf(trial), Buffer.concat([data, Buffer.from(" ")]));
    const padded = Buffer.from(digest, "base64url").toString("base64");
    const candidates = [
      good,
      other,
      signReport(trialReportKey(signingKey, { ...at("x"), uid: "uid-x" }), subjectOf(trial), data),
      // Forms Buffer decodes to the same digest: the last character's unused bits set, standard base64 with padding, spaces, an ignored stray character.
      flip(good, good.length - 1, BASE64URL[(BASE64URL.indexOf(good.at(-1) ?? "A") & ~3) | (1 + next(3))] ?? "A"),
      `v1=${padded}`,
      good.replaceAll("-", "+").replaceAll("_", "/"),
      `v1= ${digest}`,
      `v1=${digest}!`,
      `v1=${digest.slice(0, 20)}\u00e9${digest.slice(20)}`,
      // Malformed or forged: a changed character, too short, too long, another prefix, none.
      flip(good, 3 + next(43), BASE64URL[next(64)] ?? "A"),
      flip(good, 3 + next(43), ".=+/ é"[next(6)] ?? "."),
      good.slice(0, -1),
      `${good}AAAA`,
      `v2=${digest}`,
      digest,
      "v1=",
      "",
      undefined,
    ];
    for (const sig of candidates) {
      const want = referenceCheck(key, subjectOf(trial), data, sig);
      assert.equal(outcome(verify(at(trial), subjectOf(trial), data, sig)), want, `case ${i}: ${JSON.stringify(sig)}`);
      seen.set(want, (seen.get(want) ?? 0) + 1);
    }
  }
  // Every outcome occurred many times, so none of them was agreed on by accident.
  for (const o of ["ok", "forged", "malformed", "unsigned"]) assert.ok((seen.get(o) ?? 0) > 500, `${o}: ${seen.get(o)}`);
});
