import { AckPolicy, DeliverPolicy, type JetStreamManager } from "@nats-io/jetstream";
import { METRICS_STREAM, METRICS_SUBJECT_PREFIX } from "../api/metrics.ts";
import { errorText } from "../telemetry/log.ts";

/** How long JetStream waits for an ack before redelivering a report. */
export const ACK_WAIT_MS = 10_000;

/**
 * The consumer's filter subject: one namespace's reports, or all of them (multi-subject filters need
 * NATS 2.10, so several namespaces share the wildcard and the others are skipped by the message handler).
 */
export function filterSubject(namespaces: readonly string[]): string {
  return namespaces.length === 1 ? `${METRICS_SUBJECT_PREFIX}.${namespaces[0]}.>` : `${METRICS_SUBJECT_PREFIX}.>`;
}

/**
 * Creates the durable pull consumer `durable` on the metrics stream (explicit acks, every stored report,
 * the watched namespaces), or brings an existing one (a predecessor's) to the current filter and ack
 * wait. Returns its filter subject.
 */
export async function ensureDurable(jsm: JetStreamManager, durable: string, namespaces: readonly string[]): Promise<string> {
  const filter = filterSubject(namespaces);
  // Short enough that reports a crashed controller held unacked come back soon to its successor.
  const ackWait = ACK_WAIT_MS * 1_000_000;
  try {
    await jsm.consumers.info(METRICS_STREAM, durable);
    await jsm.consumers.update(METRICS_STREAM, durable, { filter_subject: filter, ack_wait: ackWait });
  } catch (e) {
    if (!/not found/i.test(errorText(e))) throw e;
    await jsm.consumers.add(METRICS_STREAM, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, filter_subject: filter, ack_wait: ackWait, max_ack_pending: 20_000 });
  }
  return filter;
}
