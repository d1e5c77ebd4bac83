import { test } from "node:test";
import assert from "node:assert/strict";
import { MsgHdrsImpl, MsgImpl, type Publisher } from "@nats-io/transport-node";
import { SIGNATURE_HEADER, signReport } from "../api/report-signature.ts";
import { signatureHeader } from "./signature-header.ts";

const enc = new TextEncoder();
const subject = "kubetune.metrics.ns.j.t";
const body = enc.encode('{"trial":"t","step":3,"metrics":{"loss":0.5}}');
const noPublisher: Publisher = { publish: () => assert.fail("nothing is published") };

/**
 * A message as nats.js delivers it: its parser's MsgImpl over the raw header block and payload, in a
 * Buffer (a socket read's) or, with `plain`, a Uint8Array (a message assembled across reads), inside a larger buffer.
 */
function delivered(block: Uint8Array | undefined, plain = false): MsgImpl {
  const whole = Buffer.concat([Buffer.from("MSG ...\r\n"), block ?? new Uint8Array(), body, Buffer.from("\r\n")]);
  const rdata = (plain ? new Uint8Array(whole) : whole).subarray(9, whole.length - 2);
  return new MsgImpl({ subject: enc.encode(subject), sid: 1, hdr: block ? block.length : -1, size: rdata.length }, rdata, noPublisher);
}
/** The same wrapped as a JetStream message is (JsMsgImpl keeps the core message as `msg`). */
const asJetStream = (msg: MsgImpl) => ({ msg, get headers() { return msg.headers; } });

test("a report signed as the SDK signs has its signature read from the raw bytes, without nats.js decoding the headers", () => {
  const signature = signReport("ZGsUghM38uJ8jRJlJCS2o67BI1Pu1p_nObgIpDq3aN8", subject, body);
  const h = new MsgHdrsImpl();
  h.set(SIGNATURE_HEADER, signature);
  h.set("Nats-Msg-Id", `ns/t/3/${signature.slice(3, 19)}`);
  for (const wrap of [asJetStream, (m: MsgImpl) => m]) {
    for (const plain of [false, true]) {
      const msg = delivered(h.encode(), plain);
      assert.equal(signatureHeader(wrap(msg)), signature);
      assert.equal(msg._headers, undefined, "nats.js's header map was never built");
    }
  }
  assert.equal(signatureHeader(asJetStream(delivered(undefined))), undefined, "no header block: unsigned, as headers?.get() says");
  assert.equal(signatureHeader({ headers: h }), signature, "a message without nats.js's raw fields is read through headers.get()");
});

// Header blocks in every form a sender can write: the signature line well formed or not, repeated, among
// other lines, missing; each read must equal what nats.js's full decoding gives.
const lines = [
  "Kubetune-Signature: v1=rhuAfwc-BA1rFy_4zepXI900_quJvtBmHMLgrgE-lUg",
  "Kubetune-Signature: v1=other-signature",
  "Kubetune-Signature:v1=no-space",
  "Kubetune-Signature:  v1=two-spaces",
  "Kubetune-Signature: v1=trailing-space ",
  "Kubetune-Signature: \tv1=tab",
  "Kubetune-Signature: v1=caf\u00e9",
  "Kubetune-Signature: v1=a\rb",
  "Kubetune-Signature: ",
  "Kubetune-Signature:",
  `Kubetune-Signature: v1=${"A".repeat(70)}`,
  `Kubetune-Signature: v1=${"A".repeat(100_000)}`,
  "kubetune-signature: v1=lower-case-name",
  "Kubetune-Signature : v1=space-before-colon",
  " Kubetune-Signature: v1=leading-space",
  "Kubetune-Signature-2: v1=longer-name",
  "Kubetune-Signatur: v1=shorter-name",
  "Kubetune-Signature",
  "Nats-Msg-Id: ns/t/3",
  "X: Kubetune-Signature: v1=in-a-value",
  "",
];

test("the signature read from the raw bytes is the value nats.js's header decoding gives, for every form of header block, and never a throw", () => {
  let seed = 16;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  const values = new Set<string | undefined>();
  let undecodable = 0;
  for (let i = 0; i < 3000; i++) {
    const picked = Array.from({ length: next(5) }, () => lines[next(lines.length)] ?? "");
    const status = ["NATS/1.0", "NATS/1.0 503", "", lines[0]][next(4)] ?? "";
    // Usually CRLF-terminated with the closing empty line, as nats.js writes; sometimes cut short.
    const ending = ["\r\n\r\n", "\r\n", "", "\r"][next(4)] ?? "";
    const text = [status, ...picked].join("\r\n") + ending;
    const block = enc.encode(text);
    let want: string | undefined;
    try {
      want = delivered(block).headers?.get(SIGNATURE_HEADER);
    } catch {
      // nats.js refuses a value with a bare CR: no signature it can read ("", unsigned), or the
      // well-formed signature line the raw read finds first; never a throw.
      const got = signatureHeader(asJetStream(delivered(block)));
      assert.ok(got === "" || text.includes(`\r\n${SIGNATURE_HEADER}: ${got}\r\n`), `case ${i}: ${JSON.stringify(got)}`);
      undecodable++;
      continue;
    }
    assert.equal(signatureHeader(asJetStream(delivered(block, i % 2 === 1))), want, `case ${i}: ${JSON.stringify(text.slice(0, 300))}`);
    values.add(want);
  }
  assert.ok(values.size >= 10, `the cases give many different values (${values.size})`);
  assert.ok(undecodable >= 50, `blocks nats.js cannot decode were among the cases (${undecodable})`);
});
