import type { MsgHdrs } from "@nats-io/transport-node";
import { SIGNATURE_HEADER } from "../api/report-signature.ts";

// Reading a report's Kubetune-Signature header. nats.js decodes a message's whole header block into a
// map on first access to `headers` (~2 µs a report, more than the rest of the check); the signature is
// one line of that block, found here in the raw bytes. Whatever is not in the form the SDKs write is
// left to nats.js's decoding, so the value read is always the one `headers.get()` would give.

/** A delivered message: a core NATS Msg, or a JetStream JsMsg (which wraps one as `msg`). */
export interface DeliveredMsg {
  readonly headers?: MsgHdrs | undefined;
}

/** What nats.js's MsgImpl keeps: the raw header block and payload, and the block's length (-1 without headers). */
interface RawMsg {
  _rdata: Uint8Array;
  _msg: { hdr: number };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** The raw form of a nats.js message, when it has it (checked, as these fields are not nats.js's public API). */
function rawOf(m: unknown): RawMsg | undefined {
  if (!isRecord(m) || !(m._rdata instanceof Uint8Array) || !isRecord(m._msg) || typeof m._msg.hdr !== "number") return undefined;
  return m._rdata.length >= m._msg.hdr ? (m as unknown as RawMsg) : undefined;
}

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
/** How a line that holds the header starts: its exact name, then the colon. */
const LINE_START = new TextEncoder().encode(`${SIGNATURE_HEADER}:`);
/** Longest value read here; the SDKs' is 46 characters, and a longer one is left to nats.js. */
const MAX_VALUE = 64;

/** 1 for the bytes of a header value in the SDKs' form ("v1=" and base64url): no space, nothing that needs decoding. */
const VALUE_BYTE = new Uint8Array(256);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=") VALUE_BYTE[c.charCodeAt(0)] = 1;

/**
 * The signature in a header block (`NATS/1.0`, then `Key: value` lines, each ending in CRLF): "" when no
 * line has the header, the value when its first line is `Kubetune-Signature: <value>` with a value of
 * at most MAX_VALUE VALUE_BYTE characters, undefined when that line has another form (spacing, other
 * characters, length): its value is then the one nats.js's decoding (a trimmed UTF-8 string) gives.
 */
export function signatureInBlock(block: Uint8Array, end: number): string | undefined {
  // The first line is the status line; header lines follow it.
  let at = 0;
  while (at + 1 < end && !(block[at] === CR && block[at + 1] === LF)) at++;
  at += 2;
  while (at < end) {
    let matched = at + LINE_START.length <= end;
    for (let i = 0; matched && i < LINE_START.length; i++) matched = block[at + i] === LINE_START[i];
    if (matched) {
      // The first line with the header is the one headers.get() reads: it decides, whatever follows.
      if (at + LINE_START.length >= end || block[at + LINE_START.length] !== SPACE) return undefined;
      const from = at + LINE_START.length + 1;
      let to = from;
      while (to < end && to - from < MAX_VALUE && VALUE_BYTE[block[to]!] === 1) to++;
      if (to + 1 >= end || block[to] !== CR || block[to + 1] !== LF) return undefined;
      // ASCII only, so latin1 reads it as UTF-8 would; a Buffer (as socket data is) without even a view.
      return Buffer.isBuffer(block) ? block.toString("latin1", from, to) : Buffer.from(block.buffer, block.byteOffset + from, to - from).toString("latin1");
    }
    while (at + 1 < end && !(block[at] === CR && block[at + 1] === LF)) at++;
    at += 2;
  }
  return "";
}

/**
 * The Kubetune-Signature header of a delivered message ("" or undefined when it has none), as
 * `headers.get()` gives it; "" when nats.js cannot decode the header block at all.
 */
export function signatureHeader(m: DeliveredMsg): string | undefined {
  const raw = rawOf((m as { msg?: unknown }).msg) ?? rawOf(m);
  if (raw?._msg.hdr === -1) return undefined;
  const fast = raw ? signatureInBlock(raw._rdata, raw._msg.hdr) : undefined;
  if (fast !== undefined) return fast;
  try {
    return m.headers?.get(SIGNATURE_HEADER);
  } catch {
    // nats-server stores a header value with a bare CR, which nats.js refuses to decode (it throws, and a
    // throw in the consumer's callback stops the consumer: the report would come back and stop it again).
    return "";
  }
}
