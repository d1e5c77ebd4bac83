import { jetstream, jetstreamManager, type ConsumerMessages, type JetStreamManager, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { METRICS_STREAM, metricsSubject, type StreamLimits, type TrialAddress } from "../api/metrics.ts";
import { errorText, sampled, type Logger } from "../telemetry/log.ts";
import type { ControllerMetrics } from "../telemetry/metrics.ts";
import { createCaughtUp } from "./caught-up.ts";
import { ACK_WAIT_MS, ensureDurable } from "./durable.ts";
import { createMessageHandler } from "./handler.ts";
import type { MetricsTarget } from "./metrics-target.ts";
import { createPersistBatches, PERSIST_INTERVAL_MS, persistTurns } from "./persist-batch.ts";
import { createPredecessor, reportMode } from "./predecessor.ts";
import { signatureHeader } from "./signature-header.ts";
import { ensureMetricsStream } from "./stream.ts";

/** The running consumer. */
export interface Ingest {
  /** Whether every message published before `time` (ms since epoch) has been applied. */
  caughtUpSince(time: number): boolean;
  /** Whether every report stored for this trial so far has been applied (its last one is delivered and settled here). */
  trialCaughtUp(a: TrialAddress): Promise<boolean>;
  stop(): Promise<void>;
}

/** A report handed back this long ago and not delivered again (longest nak delay 30 s, plus an ack wait) is checked for having been discarded. */
const DISCARDED_AFTER_MS = 30_000 + 2 * ACK_WAIT_MS;

/** Whether the stream still holds the report at `seq`. */
function streamHolds(jsm: JetStreamManager, seq: number): Promise<boolean> {
  return jsm.streams.getMessage(METRICS_STREAM, { seq }).then(() => true, (e: unknown) => !/not found/i.test(errorText(e)));
}

/** The stream sequence of the last report stored for this trial, or undefined when there is none. */
async function lastReportSeq(jsm: JetStreamManager, a: TrialAddress): Promise<number | undefined> {
  const last = await jsm.streams.getMessage(METRICS_STREAM, { last_by_subj: metricsSubject(a.namespace, a.job, a.trial) }).catch((e: unknown) => {
    if (/not found/i.test(errorText(e))) return null;
    throw e;
  });
  return last?.seq;
}

/**
 * Reads metric reports through one durable pull consumer: validates and applies each as it arrives,
 * persists the applied ones in batches, and only then acks, so a crash loses nothing (redelivered
 * reports are idempotent and never judged twice, see reportMode). `batch` is how many messages are
 * pulled ahead.
 */
export async function startIngest(options: { nc: NatsConnection; durable: string; namespaces: readonly string[]; target: MetricsTarget; metrics: ControllerMetrics; log: Logger; signingKey?: Uint8Array; batch?: number; streamLimits?: StreamLimits }): Promise<Ingest> {
  const { nc, target } = options;
  // Its warnings repeat per batch or per retry while NATS or the API server is away: sampled by message.
  const log = sampled(options.log, { keys: [] });
  const jsm = await jetstreamManager(nc);
  await ensureMetricsStream(jsm, options.streamLimits);
  const subject = await ensureDurable(jsm, options.durable, options.namespaces);
  const consumer = await jetstream(nc).consumers.get(METRICS_STREAM, options.durable);
  // Asked once, before pulling: on nats-server 2.9 a consumer info request stalls the pulls in flight,
  // so what has been applied is tracked here from then on instead of asked for.
  const startInfo = await consumer.info();
  // After two ack waits every report the predecessor left unacknowledged was redelivered here or settled.
  const predecessor = createPredecessor({ upTo: startInfo.delivered.stream_seq, unacked: startInfo.num_ack_pending, now: Date.now(), settleMs: 2 * ACK_WAIT_MS });
  const caughtUp = createCaughtUp(startInfo.delivered.stream_seq);
  const handle = createMessageHandler(options);
  const verifying = options.signingKey !== undefined;
  // Messages are handled as they arrive (so a stop decision goes out at once); the applied ones are
  // persisted together after each burst and acknowledged only then. Meanwhile the next batch grows;
  // max_ack_pending bounds it (the server stops delivering).
  const batches = createPersistBatches({
    persist: (jobs) => target.persist(jobs),
    turn: persistTurns(PERSIST_INTERVAL_MS),
    keepAliveMs: ACK_WAIT_MS / 2,
    handedBack: (seq) => caughtUp.handedBack(seq, Date.now(), true),
    drained: () => caughtUp.allStored(predecessor.done(Date.now())),
    log,
  });

  const onMessage = (m: JsMsg): void => {
    const seq = m.seq;
    predecessor.delivered(seq);
    const info = m.info;
    const neverApplied = caughtUp.delivered(seq, info.pending === 0 ? info.timestampNanos / 1e6 : undefined);
    const mode = reportMode(m, { predecessorUpTo: predecessor.upTo, neverApplied, predecessorDone: predecessor.done(Date.now()) });
    // Read only when checked, from the raw header bytes (nats.js's full decoding costs ~2 µs a report).
    const outcome = handle(m.subject, m.data, batches.jobs(), verifying ? signatureHeader(m) : undefined, mode);
    if (outcome === "applied") batches.applied(m);
    else if (outcome === "retry") {
      caughtUp.handedBack(seq, Date.now(), false);
      m.nak(1000);
    }
    // A bad message never becomes good: acknowledge it so it is not redelivered.
    else m.ack();
  };

  let stopped = false;
  let messages: ConsumerMessages | undefined;
  const loop = async (): Promise<void> => {
    while (!stopped) {
      try {
        messages = await consumer.consume({ max_messages: options.batch ?? 1024, callback: onMessage });
        // stop() may have closed the previous iterator while this one was being opened.
        if (stopped) {
          await messages.close();
          return;
        }
        const ended = await messages.closed();
        if (stopped) return;
        throw ended ?? new Error("the consumer stopped");
      } catch (e) {
        if (stopped) return;
        log.warn("metric ingestion failed; retrying", { error: errorText(e) });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };
  const running = loop();
  log.info("metric ingestion started", { stream: METRICS_STREAM, consumer: options.durable, subject });
  return {
    caughtUpSince: (time) => caughtUp.caughtUpSince(time),
    trialCaughtUp: async (a) => {
      const last = await lastReportSeq(jsm, a);
      if (last === undefined) return true;
      // A report handed back but discarded by the stream's limits never comes again: stop waiting for it.
      const gone = await caughtUp.dropDiscarded((seq) => streamHolds(jsm, seq), Date.now(), DISCARDED_AFTER_MS);
      if (gone.length > 0) log.warn("reports handed back for redelivery were discarded by the stream's limits; not waiting for them", { count: gone.length, first: gone[0] });
      // Delivered (first deliveries come in order) and settled, with no predecessor's report still due to come back.
      return predecessor.done(Date.now()) && last <= caughtUp.settledUpTo(batches.unstored());
    },
    stop: async () => {
      stopped = true;
      await messages?.close();
      await running;
      await batches.idle();
    },
  };
}
