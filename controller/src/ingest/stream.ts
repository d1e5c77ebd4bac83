import type { JetStreamManager, StreamInfo } from "@nats-io/jetstream";
import { DEFAULT_STREAM_LIMITS, DUPLICATE_WINDOW_NS, MAX_MESSAGE_BYTES, METRICS_STREAM, METRICS_SUBJECT_PREFIX, type StreamLimits } from "../api/metrics.ts";

/** The stream settings that carry the limits, as JetStream names them (max_age in nanoseconds). */
export function streamLimitConfig(l: StreamLimits): { max_age: number; max_bytes: number; max_msgs_per_subject: number } {
  return { max_age: l.maxAgeSeconds * 1_000_000_000, max_bytes: l.maxBytes, max_msgs_per_subject: l.maxMessagesPerSubject };
}

/**
 * Creates the metrics stream if it does not exist yet (with `limits`, or the defaults), and brings an
 * existing one to `limits` when they are given and differ (the controller passes its configured
 * limits; other users, such as `kubetune run --nats`, leave an existing stream as it is).
 */
export async function ensureMetricsStream(jsm: JetStreamManager, limits?: StreamLimits): Promise<StreamInfo> {
  const wanted = streamLimitConfig(limits ?? DEFAULT_STREAM_LIMITS);
  let info: StreamInfo | undefined;
  try {
    info = await jsm.streams.info(METRICS_STREAM);
  } catch (e) {
    if (!/not found/i.test((e as Error).message)) throw e;
  }
  if (!info) {
    return jsm.streams.add({
      name: METRICS_STREAM,
      subjects: [`${METRICS_SUBJECT_PREFIX}.>`],
      max_msg_size: MAX_MESSAGE_BYTES,
      duplicate_window: DUPLICATE_WINDOW_NS,
      ...wanted,
    });
  }
  const c = info.config;
  if (!limits || (c.max_age === wanted.max_age && c.max_bytes === wanted.max_bytes && c.max_msgs_per_subject === wanted.max_msgs_per_subject)) return info;
  return jsm.streams.update(METRICS_STREAM, { ...c, ...wanted });
}
