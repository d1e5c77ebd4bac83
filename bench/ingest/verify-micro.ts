// node bench/ingest/verify-micro.ts — what sender verification costs the controller per report, in
// isolation: the full check (header read, MAC, comparison) as the ingest runs it and as it ran before
// (nats.js's header decoding, createHmac, Buffer's base64url decoding), and each step's alternatives.
// Messages are built as nats.js delivers them (its MsgImpl over the raw bytes, wrapped as a JsMsg is),
// for `--trials` trials signed as the SDK signs. CPU time (so other processes' load counts less), in
// `--rounds` interleaved rounds of `--iterations` calls each; the median round per variant is printed.
import { createHmac, hash, randomBytes, timingSafeEqual } from "node:crypto";
import { parseArgs } from "node:util";
import { MsgHdrsImpl, MsgImpl, type Publisher } from "@nats-io/transport-node";
import { messageId, metricsSubject, parseMetricsSubject, type TrialAddress } from "../../controller/src/api/metrics.ts";
import { SIGNATURE_HEADER, signedMessageId, signReport, trialReportKey } from "../../controller/src/api/report-signature.ts";
import { macKey, reportMac } from "../../controller/src/ingest/report-mac.ts";
import { signatureHeader, type DeliveredMsg } from "../../controller/src/ingest/signature-header.ts";
import { createReportVerifier } from "../../controller/src/ingest/signature.ts";
import { reportBody } from "./job.ts";
import { NAMESPACE } from "./protocol.ts";
import { num, quantile, table } from "./stats.ts";

const { values: flags } = parseArgs({ options: { trials: { type: "string", default: "1000" }, iterations: { type: "string", default: "20000" }, rounds: { type: "string", default: "25" } } });
const trials = Number(flags.trials);
const iterations = Number(flags.iterations);
const rounds = Number(flags.rounds);

const enc = new TextEncoder();
const signingKey = randomBytes(32);
const noPublisher: Publisher = { publish: () => undefined };
interface Report {
  address: TrialAddress;
  uid: string;
  key: string;
  subject: string;
  subjectBytes: Uint8Array;
  raw: Buffer;
  hdr: number;
}
const reports: Report[] = Array.from({ length: trials }, (_, i) => {
  const address = { namespace: NAMESPACE, job: `j${String(i % 10).padStart(2, "0")}`, trial: `j${String(i % 10).padStart(2, "0")}-${String(i).padStart(5, "0")}` };
  const uid = `uid-${i}`;
  const key = trialReportKey(signingKey, { ...address, uid });
  const subject = metricsSubject(address.namespace, address.job, address.trial);
  const body = reportBody(address.trial, 1 + (i % 30));
  // The headers the SDK sends: its signature, and the message id JetStream's publish adds.
  const signature = signReport(key, subject, body);
  const h = new MsgHdrsImpl();
  h.set(SIGNATURE_HEADER, signature);
  h.set("Nats-Msg-Id", signedMessageId(messageId(address.namespace, address.trial, 1 + (i % 30), false), signature));
  const block = h.encode();
  return { address, uid, key, subject, subjectBytes: enc.encode(subject), raw: Buffer.concat([block, enc.encode(body)]), hdr: block.length };
});
const uids = new Map(reports.map((r) => [`${r.address.job}/${r.address.trial}`, r.uid]));
const trialUid = (a: TrialAddress): string | undefined => uids.get(`${a.job}/${a.trial}`);

/** A report as the consumer receives it: nats.js's MsgImpl (its header map not yet decoded), wrapped as JsMsgImpl wraps it. */
class Delivered implements DeliveredMsg {
  readonly msg: MsgImpl;
  constructor(msg: MsgImpl) {
    this.msg = msg;
  }
  get headers() {
    return this.msg.headers;
  }
  get data() {
    return this.msg.data;
  }
}
const deliver = (r: Report): Delivered => new Delivered(new MsgImpl({ subject: r.subjectBytes, sid: 1, hdr: r.hdr, size: r.raw.length }, r.raw, noPublisher));

// The check as it ran before: createHmac per report with the key's bytes cached, the header base64url-decoded by Buffer.
const oldKeys = new Map<string, Buffer>();
const oldCheck = (r: Report, data: Uint8Array, signature: string | undefined): boolean => {
  const uid = trialUid(r.address) ?? "";
  let key = oldKeys.get(uid);
  if (!key) oldKeys.set(uid, (key = Buffer.from(trialReportKey(signingKey, { ...r.address, uid }))));
  const given = signature?.startsWith("v1=") ? Buffer.from(signature.slice(3), "base64url") : undefined;
  return given?.length === 32 && timingSafeEqual(given, createHmac("sha256", key).update(r.subject).update("\n").update(data).digest());
};
const verify = createReportVerifier({ signingKey, trialUid });
const expectOk = (ok: boolean): void => {
  if (!ok) throw new Error("a correctly signed report was refused: the benchmark measures the wrong thing");
};

// The MAC's alternatives: createHmac with the digest as a Buffer (as before) or as text, and the
// precomputed ipad/opad blocks hashed by two one-shot crypto.hash calls with Buffers out (as reportMac's are, but with strings out).
const keys = new Map(reports.map((r) => [r, { raw: Buffer.from(r.key), pads: macKey(Buffer.from(r.key)) }]));
const scratch = Buffer.allocUnsafe(4096);
const oneShotBuffers = (r: Report, body: Uint8Array): Buffer => {
  const { ipad, outer } = keys.get(r)!.pads;
  ipad.copy(scratch, 0);
  let n = 64 + scratch.write(r.subject, 64, "utf8");
  scratch[n++] = 0x0a;
  scratch.set(body, n);
  (hash("sha256", scratch.subarray(0, n + body.length), "buffer") as unknown as Buffer).copy(outer, 64);
  return hash("sha256", outer, "buffer") as unknown as Buffer;
};
const bodyOf = (r: Report): Uint8Array => r.raw.subarray(r.hdr);

// Every result feeds this, so the compiler cannot drop a call whose result is unused.
let sink = 0;
const variants: { name: string; group: string; run: (r: Report) => void }[] = [
  { group: "full check", name: "delivery only (no verification)", run: (r) => void (sink += deliver(r).data.length) },
  { group: "full check", name: "before: headers.get + createHmac + Buffer base64url", run: (r) => { const m = deliver(r); expectOk(oldCheck(r, m.data, m.headers?.get(SIGNATURE_HEADER))); } },
  { group: "full check", name: "now: raw header + reportMac + text compare", run: (r) => { const m = deliver(r); expectOk(verify(r.address, r.subject, m.data, signatureHeader(m)).ok === true); } },
  { group: "header read", name: "headers.get (nats.js decodes the block)", run: (r) => void (sink += deliver(r).headers?.get(SIGNATURE_HEADER).length ?? 0) },
  { group: "header read", name: "signatureHeader (raw bytes)", run: (r) => void (sink += signatureHeader(deliver(r))?.length ?? 0) },
  { group: "MAC", name: "createHmac, digest as a Buffer (before)", run: (r) => void (sink += createHmac("sha256", keys.get(r)!.raw).update(r.subject).update("\n").update(bodyOf(r)).digest()[0]!) },
  { group: "MAC", name: "createHmac, digest as base64url text", run: (r) => void (sink += createHmac("sha256", keys.get(r)!.raw).update(r.subject).update("\n").update(bodyOf(r)).digest("base64url").length) },
  { group: "MAC", name: "crypto.hash ×2 over precomputed pads, Buffers out", run: (r) => void (sink += oneShotBuffers(r, bodyOf(r))[0]!) },
  { group: "MAC", name: "reportMac: crypto.hash ×2 over precomputed pads, text out", run: (r) => void (sink += reportMac(keys.get(r)!.pads, r.subject, bodyOf(r)).length) },
  { group: "other", name: "Buffer.from(base64url) (the old comparison's decode)", run: (r) => void (sink += Buffer.from(r.key, "base64url")[0]!) },
  { group: "other", name: "parseMetricsSubject (once more when verifying)", run: (r) => void (sink += parseMetricsSubject(r.subject)?.trial.length ?? 0) },
];

const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const v of variants) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < iterations; i++) v.run(reports[i % trials]!);
    const c = process.cpuUsage(c0);
    // The first round warms the JIT and the caches up.
    if (round > 0) times.get(v.name)?.push((c.user + c.system) / iterations);
  }
}
const median = (name: string): number => quantile(times.get(name) ?? [], 0.5);
const delivery = median("delivery only (no verification)");
const before = median("before: headers.get + createHmac + Buffer base64url") - delivery;
process.stdout.write(
  `${trials} trials, ${iterations} calls × ${rounds - 1} measured rounds (interleaved), node ${process.version}; µs CPU per call (median round, p25–p75)\n\n` +
    table(
      ["step", "variant", "µs/op", "p25–p75", "verification cost (− delivery)", "÷ before"],
      variants.map((v) => {
        const t = median(v.name);
        const cost = v.group === "full check" && v.name !== "delivery only (no verification)" ? t - delivery : NaN;
        return [v.group, v.name, num(t, 2), `${num(quantile(times.get(v.name) ?? [], 0.25), 2)}–${num(quantile(times.get(v.name) ?? [], 0.75), 2)}`, Number.isNaN(cost) ? "" : num(cost, 2), Number.isNaN(cost) ? "" : num(cost / before, 2)];
      }),
    ) +
    "\n",
);
