import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerConfig, type ConsumerMessages, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { MAX_METRIC_NAMES_PER_TRIAL, METRICS_STREAM, METRICS_SUBJECT_PREFIX, ensureMetricsStream, metricsSubject, parseMetricsSubject, type MetricMessage, type StreamLimits, type TrialAddress } from "../api/metrics.ts";
import type { ReportMode } from "../engine/tuner.ts";
import { backoffMs } from "../kube/workqueue.ts";
import { errorText, sampled, type Logger } from "../telemetry/log.ts";
import type { ControllerMetrics, MessageResult } from "../telemetry/metrics.ts";
import { createRetrying } from "./discarded.ts";
import { createReportVerifier, type ReportVerifier } from "./signature.ts";
import { signatureHeader } from "./signature-header.ts";
import { validateMessage, type TrialState } from "./validate.ts";

/** What the ingest needs from the controller: trial lookup, applying a report, and persisting applied reports. */
export interface IngestTarget {
  trialState(a: TrialAddress): TrialState;
  /** The metrics a running trial has reported so far (for the per-trial bound on metric names). */
  knownMetrics(a: TrialAddress): Readonly<Record<string, number>> | undefined;
  /** The uid of the trial's Trial object, which its report key is derived from; undefined when not known. */
  trialUid(a: TrialAddress): string | undefined;
  /** Applies an accepted report to the job's engine (idempotent per step); `mode` says whether it is judged (default live). */
  report(a: TrialAddress, m: MetricMessage, mode?: ReportMode): void;
  /** Writes the applied reports of these jobs (`namespace/job`) to their Trial statuses. */
  persist(jobKeys: ReadonlySet<string>): Promise<void>;
}

/** The running consumer. */
export interface Ingest {
  /** Whether every message published before `time` (ms since epoch) has been applied. */
  caughtUpSince(time: number): boolean;
  /** Whether every report stored for this trial so far has been applied (its last one is delivered and settled here). */
  trialCaughtUp(a: TrialAddress): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * The consumer's filter subject: one namespace's reports, or all of them (multi-subject filters need
 * NATS 2.10, so several namespaces share the wildcard and the others are skipped in `watched`).
 */
export function filterSubject(namespaces: readonly string[]): string {
  return namespaces.length === 1 ? `${METRICS_SUBJECT_PREFIX}.${namespaces[0]}.>` : `${METRICS_SUBJECT_PREFIX}.>`;
}

/** How long JetStream waits for an ack before redelivering a report. */
const ACK_WAIT_MS = 10_000;
/** A report handed back this long ago and not delivered again (longest nak delay 30 s, plus an ack wait) is checked for having been discarded. */
const DISCARDED_AFTER_MS = 30_000 + 2 * ACK_WAIT_MS;

/**
 * Least time between the starts of two persists. Under a stream of reports, each persist then carries
 * several reports per trial (one status write for all of them) instead of one write per report; a stop
 * decision does not wait for it, only the status write and the acks do.
 */
export const PERSIST_INTERVAL_MS = 200;

/**
 * Turns for persisting: each resolves after the current I/O phase (so every message of that read joins
 * the batch) and no sooner than `intervalMs` after the previous turn began.
 */
export function persistTurns(intervalMs: number): () => Promise<void> {
  let last = 0;
  return () =>
    new Promise<void>((resolve) => {
      const go = (): void => {
        last = Date.now();
        resolve();
      };
      const wait = last + intervalMs - Date.now();
      if (wait > 0) setTimeout(go, wait);
      else setImmediate(go);
    });
}

/** What became of one message: applied to its job, settled for good (rejected or skipped), or to be retried once its job is loaded. */
export type MessageOutcome = "applied" | "settled" | "retry";

/**
 * Checks one metric message and applies it when valid, counting every result and logging rejects;
 * `jobs` collects the jobs (`namespace/job`) whose reports were applied, to persist them together.
 * With a `signingKey`, a report must carry its trial's signature (`signature`, the Kubetune-Signature
 * header), checked before anything else that costs; `mode` is how the report is judged (see
 * ReportMode). The JetStream consumer uses it; bench/ingest's core-NATS comparison feeds it the same way.
 */
export function createMessageHandler(options: { namespaces: readonly string[]; target: IngestTarget; metrics: ControllerMetrics; log: Logger; signingKey?: Uint8Array }): (subject: string, data: Uint8Array, jobs: Set<string>, signature?: string, mode?: ReportMode) => MessageOutcome {
  const { target, metrics, log } = options;
  const watched = new Set(options.namespaces);
  // Bound once: labelling the counter on every accepted report would hash the labels each time.
  const accepted = metrics.metricMessages.labels({ result: "accepted" });
  // Any trial can send a flood of bad messages: each is counted, but only a sample is logged.
  const rejects = sampled(log, { keys: ["reason"] });
  const verify: ReportVerifier | undefined = options.signingKey ? createReportVerifier({ signingKey: options.signingKey, trialUid: (a) => target.trialUid(a) }) : undefined;
  const reject = (result: Exclude<MessageResult, "accepted">, detail: string): MessageOutcome => {
    metrics.metricMessages.inc({ result });
    rejects.warn("metric message rejected", { reason: result, detail });
    return "settled";
  };
  return (subject, data, jobs, signature, mode = "live") => {
    // Another controller's namespace: settling it here does not affect that controller's consumer.
    if (watched.size > 1 && !watched.has(subject.split(".")[2] ?? "")) return "settled";
    let signed = verify === undefined;
    if (verify) {
      const address = parseMetricsSubject(subject);
      const check = address ? verify(address, subject, data, signature) : undefined;
      if (check?.ok === false) return reject(check.result, check.detail);
      signed = check?.ok === true;
    }
    const r = validateMessage(subject, data, (a) => target.trialState(a), (a) => target.knownMetrics(a));
    // The job exists but its state is still being rebuilt: count nothing yet.
    if (!r.ok) return r.result === "later" ? "retry" : reject(r.result, r.detail);
    // A running trial whose Trial object is not created yet has no key and no Pod: nobody can speak for it.
    if (!signed) return reject("bad_signature", `message on ${subject} is for trial ${r.address.namespace}/${r.address.trial}, which has no report key yet`);
    try {
      target.report(r.address, r.message, mode);
    } catch (e) {
      metrics.metricMessages.inc({ result: "trial_not_running" });
      rejects.warn("metric message could not be applied", { job: r.address.job, trial: r.address.trial, error: errorText(e) });
      return "settled";
    }
    if (r.dropped.length > 0) {
      metrics.metricMessages.inc({ result: "names_dropped" });
      rejects.warn("metric names dropped: the trial reached its bound on distinct metric names", { reason: "names_dropped", job: r.address.job, trial: r.address.trial, dropped: r.dropped.length, first: r.dropped[0], bound: MAX_METRIC_NAMES_PER_TRIAL });
    } else accepted.inc();
    jobs.add(`${r.address.namespace}/${r.address.job}`);
    return "applied";
  };
}

/**
 * How a delivered report is judged. One applied before (a predecessor's, by stream sequence, or this
 * consumer's own after a failed persist or ack) was judged then: "replayed", never judged again. Until
 * every report the predecessor left unacknowledged has come back, new ones are "deferred": applied at
 * once, judged with the trial's next live report, so no trial is judged on a curve with holes a
 * redelivery will fill (or past rungs its predecessor already judged). After that, "live".
 */
export function reportMode(m: { seq: number; redelivered: boolean }, s: { predecessorUpTo: number; neverApplied: boolean; predecessorDone: boolean }): ReportMode {
  if (m.seq <= s.predecessorUpTo || (m.redelivered && !s.neverApplied)) return "replayed";
  return s.predecessorDone ? "live" : "deferred";
}

/**
 * Reads metric reports through one durable pull consumer: validates and applies each as it arrives,
 * persists the applied ones in batches, and only then acks, so a crash loses nothing (redelivered
 * reports are idempotent and never judged twice, see reportMode). `batch` is how many messages are
 * pulled ahead.
 */
export async function startIngest(options: { nc: NatsConnection; durable: string; namespaces: readonly string[]; target: IngestTarget; metrics: ControllerMetrics; log: Logger; signingKey?: Uint8Array; batch?: number; streamLimits?: StreamLimits }): Promise<Ingest> {
  const { nc, target } = options;
  // Its warnings repeat per batch or per retry while NATS or the API server is away: sampled by message.
  const log = sampled(options.log, { keys: [] });
  const jsm = await jetstreamManager(nc);
  await ensureMetricsStream(jsm, options.streamLimits);
  const config: Partial<ConsumerConfig> = {
    durable_name: options.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: filterSubject(options.namespaces),
    // Short enough that reports a crashed controller held unacked come back soon to its successor.
    ack_wait: ACK_WAIT_MS * 1_000_000,
    max_ack_pending: 20_000,
  };
  try {
    await jsm.consumers.info(METRICS_STREAM, options.durable);
    await jsm.consumers.update(METRICS_STREAM, options.durable, { filter_subject: config.filter_subject ?? "", ack_wait: config.ack_wait ?? 0 });
  } catch (e) {
    if (!/not found/i.test(errorText(e))) throw e;
    await jsm.consumers.add(METRICS_STREAM, config);
  }
  const js = jetstream(nc);
  const consumer = await js.consumers.get(METRICS_STREAM, options.durable);
  // Asked once, before pulling: on nats-server 2.9 a consumer info request stalls the pulls in flight,
  // so what has been applied is tracked here from then on instead of asked for.
  const startInfo = await consumer.info();
  // Reports a predecessor was delivered but never acknowledged come back to this consumer (after ack_wait).
  let predecessorLeft = startInfo.num_ack_pending;
  // If the predecessor acked them itself after all (a handover), they never come back: after two ack
  // waits every one of them was either redelivered here or settled, so stop waiting for them.
  const predecessorUntil = Date.now() + 2 * ACK_WAIT_MS;
  const predecessorDone = (): boolean => predecessorLeft === 0 || Date.now() >= predecessorUntil;
  const predecessorUpTo = startInfo.delivered.stream_seq;
  const redelivered = new Set<number>();
  /** Highest stream sequence delivered so far: first deliveries come in stream order. */
  let lastSeq = startInfo.delivered.stream_seq;
  /** Reports handed back (nak) until their job is loaded or a persist succeeds; they come again, unless the stream's limits discard them. */
  const retrying = createRetrying();
  /** Of those, the ones never applied (their job was not loaded): their redelivery is their first judgment. */
  const neverApplied = new Set<number>();
  let stopped = false;
  let caughtUp = 0;
  let headStoredAt = 0;
  const handle = createMessageHandler(options);
  const verifying = options.signingKey !== undefined;

  // Messages are handled as they arrive (so a stop decision goes out at once); the applied ones are
  // persisted together after each burst (one persist at a time, at most one per PERSIST_INTERVAL_MS) and
  // acknowledged only then. Meanwhile the next batch grows; max_ack_pending bounds it (the server stops
  // delivering).
  let applied: JsMsg[] = [];
  let persistingBatch: JsMsg[] = [];
  let jobs = new Set<string>();
  let persisting: Promise<void> | undefined;
  let persistFailures = 0;
  // A persist slower than ack_wait (an API server under load) would get every waiting report redelivered
  // and judged again; telling the server they are in progress keeps them ours.
  const stillWorking = (): void => {
    try {
      for (const m of persistingBatch) m.working();
      for (const m of applied) m.working();
    } catch (e) {
      log.warn("extending the ack wait failed", { error: errorText(e) });
    }
  };
  const persist = async (): Promise<void> => {
    const keepAlive = setInterval(stillWorking, ACK_WAIT_MS / 2);
    try {
      await persistAll();
    } finally {
      clearInterval(keepAlive);
    }
  };
  const persistTurn = persistTurns(PERSIST_INTERVAL_MS);
  const persistAll = async (): Promise<void> => {
    while (applied.length > 0) {
      await persistTurn();
      persistingBatch = applied;
      const batchJobs = jobs;
      applied = [];
      jobs = new Set();
      let stored = true;
      try {
        await target.persist(batchJobs);
        persistFailures = 0;
      } catch (e) {
        stored = false;
        persistFailures++;
        log.warn("persisting metric reports failed; they will be redelivered", { error: errorText(e), failures: persistFailures });
      }
      // Redelivered after a backoff that grows with consecutive failures (jittered, capped at 30 s), so a
      // failing API server is not asked again every 2 s by every batch.
      const redeliverMs = backoffMs(persistFailures, 2000, 30_000);
      try {
        for (const m of persistingBatch) {
          if (stored) m.ack();
          else {
            // Unacked messages come back after ack_wait; nak now so they return sooner.
            retrying.add(m.seq, Date.now());
            m.nak(redeliverMs);
          }
        }
      } catch (e) {
        // The connection closed (shutdown): unacked reports are redelivered to whoever consumes next.
        log.warn("acknowledging metric reports failed; they will be redelivered", { error: errorText(e) });
      }
      persistingBatch = [];
    }
    // Everything delivered is applied and stored; if the last delivery left nothing pending, so is the stream.
    if (headStoredAt > 0 && retrying.size() === 0 && predecessorDone()) caughtUp = Math.max(caughtUp, headStoredAt);
  };
  const startPersist = (): Promise<void> =>
    persist()
      .catch((e: unknown) => log.error("persisting metric reports failed", { error: errorText(e) }))
      .finally(() => {
        persisting = undefined;
      });
  const onMessage = (m: JsMsg): void => {
    const seq = m.seq;
    if (seq <= predecessorUpTo && predecessorLeft > 0 && !redelivered.has(seq)) {
      redelivered.add(seq);
      if (redelivered.size >= predecessorLeft) {
        predecessorLeft = 0;
        redelivered.clear();
      }
    }
    retrying.delete(seq);
    const mode = reportMode(m, { predecessorUpTo, neverApplied: neverApplied.delete(seq), predecessorDone: predecessorDone() });
    lastSeq = Math.max(lastSeq, seq);
    headStoredAt = m.info.pending === 0 ? m.info.timestampNanos / 1e6 : 0;
    // Read only when checked, from the raw header bytes (nats.js's full decoding costs ~2 µs a report).
    const outcome = handle(m.subject, m.data, jobs, verifying ? signatureHeader(m) : undefined, mode);
    if (outcome === "applied") applied.push(m);
    else if (outcome === "retry") {
      retrying.add(seq, Date.now());
      neverApplied.add(seq);
      m.nak(1000);
    }
    // A bad message never becomes good: acknowledge it so it is not redelivered.
    else m.ack();
    if (applied.length > 0 && !persisting) persisting = startPersist();
  };

  /** Every delivered report up to this stream sequence has been applied and stored (or settled otherwise). */
  const settledUpTo = (): number => {
    let upTo = lastSeq;
    for (const m of persistingBatch) upTo = Math.min(upTo, m.seq - 1);
    for (const m of applied) upTo = Math.min(upTo, m.seq - 1);
    for (const seq of retrying.seqs()) upTo = Math.min(upTo, seq - 1);
    return upTo;
  };

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
  log.info("metric ingestion started", { stream: METRICS_STREAM, consumer: options.durable, subject: config.filter_subject });
  return {
    caughtUpSince: (time) => caughtUp >= time,
    trialCaughtUp: async (a) => {
      const last = await jsm.streams.getMessage(METRICS_STREAM, { last_by_subj: metricsSubject(a.namespace, a.job, a.trial) }).catch((e: unknown) => {
        if (/not found/i.test(errorText(e))) return null;
        throw e;
      });
      if (!last) return true;
      // A report handed back but discarded by the stream's limits never comes again: stop waiting for it.
      const gone = await retrying.dropDiscarded((seq) => jsm.streams.getMessage(METRICS_STREAM, { seq }).then(() => true, (e: unknown) => !/not found/i.test(errorText(e))), Date.now(), DISCARDED_AFTER_MS);
      for (const seq of gone) neverApplied.delete(seq);
      if (gone.length > 0) log.warn("reports handed back for redelivery were discarded by the stream's limits; not waiting for them", { count: gone.length, first: gone[0] });
      // Delivered (first deliveries come in order) and settled, with no predecessor's report still due to come back.
      return predecessorDone() && last.seq <= settledUpTo();
    },
    stop: async () => {
      stopped = true;
      await messages?.close();
      await running;
      await persisting;
    },
  };
}
