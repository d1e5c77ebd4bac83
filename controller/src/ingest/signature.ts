import { createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";
import type { TrialAddress } from "../api/metrics.ts";
import { reportDigest, SIGNATURE_HEADER, SIGNATURE_PREFIX, trialReportKey } from "../api/report-signature.ts";

/** What checking a report's signature found: it proves its trial, no key is known for the trial (yet), or it is refused. */
export type SignatureCheck = { ok: true } | { ok: "no_key" } | { ok: false; result: "unsigned" | "bad_signature"; detail: string };

/** Checks the `Kubetune-Signature` header of a report sent on `subject` by the trial at `address`. */
export type ReportVerifier = (address: TrialAddress, subject: string, data: Uint8Array, signature: string | undefined) => SignatureCheck;

/** Trial keys kept derived at once; a miss costs one more HMAC (~2 µs), so this only needs to cover the running trials. */
export const KEY_CACHE_SIZE = 10_000;

const DIGEST_BYTES = 32;

/**
 * A verifier for reports signed with per-trial keys derived from `signingKey`; `trialUid` gives the uid of
 * a trial's Trial object (undefined when none is known: no key can exist, so the caller decides).
 */
export function createReportVerifier(options: { signingKey: Uint8Array; trialUid: (a: TrialAddress) => string | undefined; cacheSize?: number }): ReportVerifier {
  const master = createSecretKey(options.signingKey);
  const max = options.cacheSize ?? KEY_CACHE_SIZE;
  // Keyed by the full identity, so a recreated trial (new uid) never meets its predecessor's key; Map
  // order is insertion order, which makes dropping the oldest entry an LRU of sorts (hits re-insert).
  const keys = new Map<string, KeyObject>();
  const keyOf = (a: TrialAddress, uid: string): KeyObject => {
    const id = `${a.namespace}/${a.job}/${a.trial}/${uid}`;
    let key = keys.get(id);
    if (key) {
      keys.delete(id);
    } else {
      key = createSecretKey(Buffer.from(trialReportKey(master, { ...a, uid })));
      if (keys.size >= max) keys.delete(keys.keys().next().value as string);
    }
    keys.set(id, key);
    return key;
  };
  return (address, subject, data, signature) => {
    const uid = options.trialUid(address);
    if (uid === undefined) return { ok: "no_key" };
    if (signature === undefined || signature === "") return { ok: false, result: "unsigned", detail: `message on ${subject} has no ${SIGNATURE_HEADER} header; the trial must sign its reports with its KUBETUNE_REPORT_KEY (docs/metrics-protocol.md)` };
    const given = signature.startsWith(SIGNATURE_PREFIX) ? Buffer.from(signature.slice(SIGNATURE_PREFIX.length), "base64url") : undefined;
    if (given?.length !== DIGEST_BYTES) return { ok: false, result: "bad_signature", detail: `message on ${subject} has a malformed ${SIGNATURE_HEADER} header (expected "${SIGNATURE_PREFIX}" and a base64url HMAC-SHA256)` };
    if (!timingSafeEqual(given, reportDigest(keyOf(address, uid), subject, data))) {
      return { ok: false, result: "bad_signature", detail: `message on ${subject} is not signed with trial ${address.namespace}/${address.trial}'s key (sent by another trial, or the body was changed)` };
    }
    return { ok: true };
  };
}
