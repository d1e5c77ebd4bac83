import { connect, type NatsConnection } from "@nats-io/transport-node";
import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { createReportVerifier } from "../ingest/signature.ts";
import { controlSubject, decodeMetricMessage, parseMetricsSubject, METRICS_STREAM, type MetricMessage } from "../api/metrics.ts";
import { ensureMetricsStream } from "../ingest/stream.ts";
import { signatureHeader } from "../ingest/signature-header.ts";

/** The namespace token local runs use in NATS subjects. */
export const LOCAL_NAMESPACE = "local";
/** What stands for a Trial uid in a local trial's report key (the run's signing key is new each run). */
export const LOCAL_TRIAL_UID = "local";

/** A local run's NATS link: reports of its trials come in, stop requests go out. */
export interface NatsChannel {
  stop(trial: string, reason: string): void;
  close(): Promise<void>;
}

/** Listens to a job's metric reports on JetStream (new messages only), signed with keys from `signingKey`, and publishes stop requests. */
export async function openNatsChannel(
  url: string,
  job: string,
  signingKey: Uint8Array,
  onReport: (trial: string, message: MetricMessage) => void,
  onBad: (trial: string, problem: string) => void,
): Promise<NatsChannel> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: url, name: `kubetune-run-${job}`, maxReconnectAttempts: -1 });
  } catch (e) {
    throw new Error(`cannot connect to NATS at ${url}: ${(e as Error).message} (is nats-server running with -js?)`);
  }
  let messages;
  try {
    await ensureMetricsStream(await jetstreamManager(nc));
    // One subject as a string: a list of filter subjects needs nats-server ≥ 2.10, Debian ships 2.9.
    const consumer = await jetstream(nc).consumers.get(METRICS_STREAM, {
      filter_subjects: `kubetune.metrics.${LOCAL_NAMESPACE}.${job}.>`,
      deliver_policy: DeliverPolicy.New,
    });
    messages = await consumer.consume();
  } catch (e) {
    await nc.close();
    throw new Error(`cannot read metrics from JetStream at ${url}: ${(e as Error).message}`);
  }
  const verify = createReportVerifier({ signingKey, trialUid: () => LOCAL_TRIAL_UID });
  const loop = (async () => {
    for await (const m of messages) {
      const address = parseMetricsSubject(m.subject);
      const trial = address?.trial ?? "?";
      const check = address ? verify(address, m.subject, m.data, signatureHeader(m)) : undefined;
      if (check?.ok === false) {
        onBad(trial, check.detail);
        continue;
      }
      const decoded = decodeMetricMessage(m.data);
      if (!decoded.ok) onBad(trial, decoded.detail);
      else if (decoded.message.trial !== trial) onBad(trial, `message for trial "${decoded.message.trial}" on the subject of "${trial}"`);
      else onReport(trial, decoded.message);
    }
  })();
  return {
    stop(trial, reason) {
      nc.publish(controlSubject(LOCAL_NAMESPACE, job, trial), JSON.stringify({ action: "stop", reason }));
    },
    async close() {
      await messages.close();
      await loop;
      await nc.drain();
    },
  };
}
