import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { macKey, reportMac } from "./report-mac.ts";

const reference = (key: Uint8Array, subject: string, body: Uint8Array): string => createHmac("sha256", key).update(subject).update("\n").update(body).digest("base64url");

// A deterministic generator, so a failure names a case that can be run again.
const rng = (seed: number) => () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};

test("reportMac equals createHmac over random keys, subjects and bodies, of every length around SHA-256's 64-byte blocks", () => {
  const next = rng(14);
  const pick = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => pick(256));
  // Key lengths: the report keys' 43, none, short, one block exactly, and longer than a block (hashed first).
  const keyLengths = [43, 0, 1, 32, 63, 64, 65, 200];
  for (let i = 0; i < 3000; i++) {
    const key = bytes(keyLengths[i % keyLengths.length]!);
    const subject = `kubetune.metrics.ns-${pick(1000)}.${"j".repeat(1 + pick(40))}.t${pick(100000)}`;
    // Every body length up to 300 bytes puts the end of the message at every point of SHA-256's last block.
    const body = bytes(i < 300 ? i : pick(1500));
    assert.equal(reportMac(macKey(key), subject, body), reference(key, subject, body), `case ${i}: key ${key.length} bytes, subject ${subject.length}, body ${body.length}`);
  }
});

test("reportMac hashes a subject as UTF-8, a body of the largest report size, and gives the same result on a repeated call", () => {
  const key = macKey(Buffer.from("ZGsUghM38uJ8jRJlJCS2o67BI1Pu1p_nObgIpDq3aN8"));
  const raw = Buffer.from("ZGsUghM38uJ8jRJlJCS2o67BI1Pu1p_nObgIpDq3aN8");
  const big = Buffer.alloc(64 * 1024, "0123456789abcdef");
  assert.equal(reportMac(key, "kubetune.metrics.é.ü.☃", big), reference(raw, "kubetune.metrics.é.ü.☃", big));
  const small = Buffer.from('{"trial":"t","step":1,"metrics":{"loss":1}}');
  const first = reportMac(key, "kubetune.metrics.ns.j.t", small);
  assert.equal(reportMac(key, "kubetune.metrics.ns.j.t", small), first, "bytes left from a larger report do not leak into the next");
  assert.equal(first, reference(raw, "kubetune.metrics.ns.j.t", small));
});
