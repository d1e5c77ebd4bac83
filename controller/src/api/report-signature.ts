import { createHmac, type KeyObject } from "node:crypto";

// The signature scheme of metric reports (docs/metrics-protocol.md, "Signed reports"): each trial gets its
// own key, derived from the controller's signing key, and signs each report with it, so a report proves
// which trial sent it whatever NATS permissions trials share.

/** NATS header that carries a report's signature. */
export const SIGNATURE_HEADER = "Kubetune-Signature";
/** Version prefix of a signature header value; a later scheme gets another. */
export const SIGNATURE_PREFIX = "v1=";
/** Environment variable that holds a trial's report key in its container. */
export const REPORT_KEY_ENV = "KUBETUNE_REPORT_KEY";
/** Fewest bytes a signing key may have (256 bits, SHA-256's strength). */
export const MIN_SIGNING_KEY_BYTES = 32;

/** The trial a report key belongs to: its address and its Trial object's uid (so a recreated trial gets a new key). */
export interface KeyedTrial {
  namespace: string;
  job: string;
  trial: string;
  uid: string;
}

/**
 * A trial's report key: base64url (no padding) of HMAC-SHA256(signing key, "<namespace>/<job>/<trial>/<uid>").
 * The text itself (its ASCII bytes, not decoded) is the HMAC key the trial signs with.
 */
export function trialReportKey(signingKey: Uint8Array | KeyObject, t: KeyedTrial): string {
  return createHmac("sha256", signingKey).update(`${t.namespace}/${t.job}/${t.trial}/${t.uid}`).digest("base64url");
}

/**
 * The `Kubetune-Signature` header value of a report: "v1=" and the base64url (no padding) HMAC-SHA256
 * under `key` of the subject, a newline, then the exact body bytes.
 */
export function signReport(key: string, subject: string, body: string | Uint8Array): string {
  return SIGNATURE_PREFIX + createHmac("sha256", key).update(subject).update("\n").update(body).digest("base64url");
}

/**
 * The message id of a signed report: its plain id (messageId) and the signature's first 16 characters.
 * A retried publish carries the same body, so the same id (deduplicated); another trial cannot know the
 * signature in advance, so it cannot claim the id first and have JetStream drop the real report.
 */
export function signedMessageId(id: string, signature: string): string {
  return `${id}/${signature.slice(SIGNATURE_PREFIX.length, SIGNATURE_PREFIX.length + 16)}`;
}

