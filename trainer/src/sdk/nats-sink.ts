import { controlSubject, decodeControlMessage, encodeMetricMessage, messageId, metricsSubject } from "../../../controller/src/api/metrics.ts";
import { SIGNATURE_HEADER, signedMessageId, signReport } from "../../../controller/src/api/report-signature.ts";
import type { Sink } from "./reporter.ts";

/** Retry and timeout bounds of the NATS transport; together they cap how long one report can take. */
export interface NatsOptions {
  /** Publish attempts per report before it is dropped (default 5). */
  publishAttempts: number;
  /** How long one publish waits for JetStream's ack, in ms (default 2000). */
  publishTimeoutMs: number;
  /** Connection attempts before connectReporter fails (default 10, 500 ms apart). */
  connectAttempts: number;
  /** First retry delay in ms, doubled per attempt up to 2 s (default 200). */
  retryDelayMs: number;
}

/** Defaults for NatsOptions: a report gives up after about 14 s when NATS is unreachable. */
export const DEFAULT_NATS_OPTIONS: NatsOptions = { publishAttempts: 5, publishTimeoutMs: 2000, connectAttempts: 10, retryDelayMs: 200 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sink that publishes to JetStream with the message id `<namespace>/<trial>/<step>` (so a retried publish
 * is stored once), signed with the trial's report key when it has one, and listens for stop requests on
 * the trial's control subject.
 */
export async function natsSink(
  addr: { url: string; namespace: string; job: string; trial: string; reportKey?: string },
  onStop: (reason: string) => void,
  warn: (line: string) => void,
  options: Partial<NatsOptions> = {},
): Promise<Sink> {
  const o = { ...DEFAULT_NATS_OPTIONS, ...options };
  // Imported lazily so programs that never use NATS do not load the client.
  const { connect, headers } = await import("@nats-io/transport-node");
  const { jetstream } = await import("@nats-io/jetstream");
  let lastError: unknown;
  let nc: Awaited<ReturnType<typeof connect>> | undefined;
  for (let i = 0; i < o.connectAttempts && nc === undefined; i++) {
    try {
      nc = await connect({ servers: addr.url.split(","), name: `kubetune-trial-${addr.trial}`, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    } catch (e) {
      lastError = e;
      if (i + 1 < o.connectAttempts) await sleep(500);
    }
  }
  if (nc === undefined) {
    throw new Error(`kubetune reporter: cannot connect to NATS at ${addr.url} after ${o.connectAttempts} attempts (${(lastError as Error).message}); check KUBETUNE_NATS_URL and that the server is up`);
  }
  const conn = nc;
  const js = jetstream(conn, { timeout: o.publishTimeoutMs });
  const subject = metricsSubject(addr.namespace, addr.job, addr.trial);
  conn.subscribe(controlSubject(addr.namespace, addr.job, addr.trial), {
    callback: (err, msg) => {
      if (err) return warn(`control subscription failed: ${err.message}`);
      const m = decodeControlMessage(msg.data);
      if (!m.ok) warn(`ignoring bad control message: ${m.detail}`);
      else onStop(m.message.reason);
    },
  });
  await conn.flush();
  if (addr.reportKey === undefined) warn("KUBETUNE_REPORT_KEY is not set: reports go unsigned, and a controller that verifies senders (the default) rejects them");

  return {
    async send(m) {
      let body: string;
      try {
        body = encodeMetricMessage(m);
      } catch (e) {
        warn((e as Error).message);
        return false;
      }
      let msgID = messageId(addr.namespace, addr.trial, m.step, m.final === true);
      const signed = headers();
      if (addr.reportKey !== undefined) {
        const signature = signReport(addr.reportKey, subject, body);
        signed.set(SIGNATURE_HEADER, signature);
        msgID = signedMessageId(msgID, signature);
      }
      for (let attempt = 1; attempt <= o.publishAttempts; attempt++) {
        try {
          await js.publish(subject, body, { msgID, headers: signed, timeout: o.publishTimeoutMs });
          return true;
        } catch (e) {
          if (attempt === o.publishAttempts) {
            warn(`dropping report of step ${m.step} after ${attempt} publish attempts: ${(e as Error).message}`);
            return false;
          }
          await sleep(Math.min(2000, o.retryDelayMs * 2 ** (attempt - 1)));
        }
      }
      return false;
    },
    async close() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((r) => (timer = setTimeout(r, o.publishTimeoutMs)));
      await Promise.race([conn.drain().catch(() => undefined), timeout]);
      clearTimeout(timer);
      if (!conn.isClosed()) await conn.close();
    },
  };
}
