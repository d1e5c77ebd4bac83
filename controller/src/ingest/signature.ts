import { createSecretKey, timingSafeEqual } from "node:crypto";
import type { TrialAddress } from "../api/metrics.ts";
import { SIGNATURE_HEADER, SIGNATURE_PREFIX, trialReportKey } from "../api/report-signature.ts";
import { macKey, reportMac, type MacKey } from "./report-mac.ts";

/** What checking a report's signature found: it proves its trial, or not: no key is known for the trial (yet; the caller decides), or it is refused. */
export type SignatureCheck = { ok: true } | { ok: false; reason: "no_key" | "unsigned" | "bad_signature"; detail: string };

/** Checks the `Kubetune-Signature` header of a report sent on `subject` by the trial at `address`. */
export type ReportVerifier = (address: TrialAddress, subject: string, data: Uint8Array, signature: string | undefined) => SignatureCheck;

/** Trial keys kept derived at once; a miss costs one more HMAC (~2 µs), so this only needs to cover the running trials. */
export const KEY_CACHE_SIZE = 10_000;

const DIGEST_BYTES = 32;
/** The result for every report that proves its trial: one object, not one per report. */
const PROVEN: SignatureCheck = Object.freeze({ ok: true });

/** Whether `given` from `at` is the text `mac`, compared without stopping at the first difference. */
function sameText(mac: string, given: string, at: number): boolean {
  if (given.length - at !== mac.length) return false;
  let diff = 0;
  for (let i = 0; i < mac.length; i++) diff |= mac.charCodeAt(i) ^ given.charCodeAt(at + i);
  return diff === 0;
}

/**
 * A verifier for reports signed with per-trial keys derived from `signingKey`; `trialUid` gives the uid of
 * a trial's Trial object (undefined when none is known: no key can exist, so the caller decides).
 */
export function createReportVerifier(options: { signingKey: Uint8Array; trialUid: (a: TrialAddress) => string | undefined; cacheSize?: number }): ReportVerifier {
  const master = createSecretKey(options.signingKey);
  const max = options.cacheSize ?? KEY_CACHE_SIZE;
  // Keyed by uid (no string building per report), checked against the address it was derived for. Full,
  // the oldest entry goes: a hot trial evicted costs one derivation, cheaper than reordering on every hit.
  // A finished trial's entry is never looked up again and goes in its turn.
  const keys = new Map<string, { a: TrialAddress; key: MacKey }>();
  const keyOf = (a: TrialAddress, uid: string): MacKey => {
    const hit = keys.get(uid);
    if (hit && hit.a.trial === a.trial && hit.a.job === a.job && hit.a.namespace === a.namespace) return hit.key;
    const key = macKey(Buffer.from(trialReportKey(master, { ...a, uid })));
    if (!hit && keys.size >= max) keys.delete(keys.keys().next().value as string);
    keys.set(uid, { a: { namespace: a.namespace, job: a.job, trial: a.trial }, key });
    return key;
  };
  const forged = (subject: string, a: TrialAddress): SignatureCheck => ({ ok: false, reason: "bad_signature", detail: `message on ${subject} is not signed with trial ${a.namespace}/${a.trial}'s key (sent by another trial, or the body was changed)` });
  return (address, subject, data, signature) => {
    const uid = options.trialUid(address);
    if (uid === undefined) return { ok: false, reason: "no_key", detail: `no report key is known for trial ${address.namespace}/${address.trial} of job ${address.job}` };
    if (signature === undefined || signature === "") return { ok: false, reason: "unsigned", detail: `message on ${subject} has no ${SIGNATURE_HEADER} header; the trial must sign its reports with its KUBETUNE_REPORT_KEY (docs/metrics-protocol.md)` };
    if (!signature.startsWith(SIGNATURE_PREFIX)) return malformed(subject);
    const mac = reportMac(keyOf(address, uid), subject, data);
    // The SDKs' form (base64url, no padding) is compared as text. Buffer's decoding also reads other
    // forms as the same digest (padding, "+" and "/", ignored characters), so anything else is
    // decoded and compared as bytes, as before: the same signatures pass.
    if (sameText(mac, signature, SIGNATURE_PREFIX.length)) return PROVEN;
    const given = Buffer.from(signature.slice(SIGNATURE_PREFIX.length), "base64url");
    if (given.length !== DIGEST_BYTES) return malformed(subject);
    return timingSafeEqual(given, Buffer.from(mac, "base64url")) ? PROVEN : forged(subject, address);
  };
}

function malformed(subject: string): SignatureCheck {
  return { ok: false, reason: "bad_signature", detail: `message on ${subject} has a malformed ${SIGNATURE_HEADER} header (expected "${SIGNATURE_PREFIX}" and a base64url HMAC-SHA256)` };
}
