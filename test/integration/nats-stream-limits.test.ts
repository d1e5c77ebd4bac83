import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { DEFAULT_STREAM_LIMITS, METRICS_STREAM, metricsSubject } from "../../controller/src/api/metrics.ts";
import { ensureMetricsStream } from "../../controller/src/ingest/stream.ts";
import { startNatsServer, type NatsServer } from "../nats-server.ts";

// A private nats-server: the limits changed here must not touch the shared cluster's stream.
let server: NatsServer;
let nc: NatsConnection;

before(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
});
after(async () => {
  await nc?.close();
  await server?.stop();
});

test("the metrics stream gets its limits on create, an existing stream that differs is updated, and a full subject discards its oldest reports", async () => {
  const jsm = await jetstreamManager(nc);
  const created = await ensureMetricsStream(jsm);
  assert.equal(created.config.max_age, DEFAULT_STREAM_LIMITS.maxAgeSeconds * 1e9);
  assert.equal(created.config.max_bytes, DEFAULT_STREAM_LIMITS.maxBytes);
  assert.equal(created.config.max_msgs_per_subject, DEFAULT_STREAM_LIMITS.maxMessagesPerSubject);

  const limits = { maxAgeSeconds: 3600, maxBytes: 2 * 1024 * 1024, maxMessagesPerSubject: 10 };
  const updated = await ensureMetricsStream(jsm, limits);
  assert.deepEqual([updated.config.max_age, updated.config.max_bytes, updated.config.max_msgs_per_subject], [3600e9, 2 * 1024 * 1024, 10]);
  // Without limits (kubetune run --nats, the SDK's tests) an existing stream is left as it is.
  const left = await ensureMetricsStream(jsm);
  assert.equal(left.config.max_msgs_per_subject, 10);

  const js = jetstream(nc);
  const subject = metricsSubject("ns", "job", "job-00000");
  for (let step = 1; step <= 15; step++) await js.publish(subject, JSON.stringify({ trial: "job-00000", step, metrics: { loss: 1 / step } }));
  const info = await jsm.streams.info(METRICS_STREAM, { subjects_filter: subject });
  assert.equal(info.state.messages, 10, "a trial keeps at most maxMessagesPerSubject reports");
  const oldest = await jsm.streams.getMessage(METRICS_STREAM, { seq: info.state.first_seq });
  assert.ok(oldest);
  assert.equal((JSON.parse(new TextDecoder().decode(oldest.data)) as { step: number }).step, 6, "the oldest were discarded");
});
