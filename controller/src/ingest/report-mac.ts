import { createHash, hash } from "node:crypto";

// HMAC-SHA256 of a report (docs/metrics-protocol.md, "Signed reports": over the subject, a newline, then
// the body) for the controller's check of every report. Node's createHmac costs ~3.5 µs a call whatever
// the input (a stream object and a native context per call, and a Buffer for the digest), several times
// the hashing itself; two one-shot crypto.hash calls over a key's precomputed ipad and opad blocks
// (RFC 2104) cost about half that, with strings out rather than Buffers, which Node makes more cheaply.
// Checked against createHmac over random keys and bodies (report-mac.test.ts).

const BLOCK = 64;
const DIGEST = 32;

/** A report key made ready: its ipad block, and its opad block followed by room for the inner digest. */
export interface MacKey {
  readonly ipad: Buffer;
  readonly outer: Buffer;
}

/** Prepares `key` (any length, as HMAC allows) for reportMac. */
export function macKey(key: Uint8Array): MacKey {
  const k = key.length > BLOCK ? createHash("sha256").update(key).digest() : key;
  const ipad = Buffer.alloc(BLOCK, 0x36);
  const outer = Buffer.alloc(BLOCK + DIGEST, 0x5c);
  for (let i = 0; i < k.length; i++) {
    ipad[i] = k[i]! ^ 0x36;
    outer[i] = k[i]! ^ 0x5c;
  }
  return { ipad, outer };
}

// Reused by every call (all synchronous, so never by two at once): no allocation per report but the digests.
let scratch = Buffer.allocUnsafe(4096);

/** HMAC-SHA256 under `key` of the subject (UTF-8), a newline, then the body, in base64url without padding. */
export function reportMac(key: MacKey, subject: string, body: Uint8Array): string {
  // Room for the ipad block, the subject at its longest in UTF-8, the newline and the body.
  const room = BLOCK + subject.length * 3 + 1 + body.length;
  if (scratch.length < room) scratch = Buffer.allocUnsafe(room);
  scratch.set(key.ipad, 0);
  let n = BLOCK + scratch.write(subject, BLOCK, "utf8");
  scratch[n++] = 0x0a;
  scratch.set(body, n);
  // "binary" (latin1): one character per digest byte, written back as the same bytes.
  const inner = hash("sha256", scratch.subarray(0, n + body.length), "binary");
  key.outer.write(inner, BLOCK, "binary");
  return hash("sha256", key.outer, "base64url");
}
