// A flood of bad metric messages for a trial that does not exist: every one is counted, few are logged.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { scrape, startTestController, until, type Started } from "./controller-harness.ts";

let cluster: TestCluster;
let ctl: Started | undefined;

before(async () => {
  cluster = await withCluster({ namespacePrefix: "ctl-flood" });
});
after(async () => {
  await ctl?.controller.stop();
  await cluster?.cleanup();
});

const FLOOD = 50_000;
const count = (text: string, result: string): number => Number(new RegExp(`kubetune_metric_messages_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? "NaN");

test("a flood of 50,000 messages for an unknown trial is counted in full and writes a bounded number of log lines", async () => {
  ctl = await startTestController(cluster);
  await until("metric ingestion to start", async () => (ctl!.logs.some((l) => l.includes('"msg":"metric ingestion started"')) ? true : undefined), 60_000);
  const before = ctl.logs.length;
  const nc = await connect({ servers: cluster.natsUrl });
  const enc = new TextEncoder();
  // Core publishes: the stream stores them all the same, and the flood goes out at the server's pace.
  // Spread over 1,000 trials, so no per-subject limit of the stream trims it.
  for (let i = 0; i < FLOOD; i++) {
    const trial = `ghost-${String(i % 1000).padStart(5, "0")}`;
    nc.publish(`kubetune.metrics.${cluster.namespace}.ghost.${trial}`, enc.encode(JSON.stringify({ trial, step: i, metrics: { loss: 1 } })));
    if (i % 5_000 === 4_999) await nc.flush();
  }
  await nc.flush();
  await nc.close();

  const text = await until("every message of the flood to be counted", async () => {
    const t = await scrape(ctl!.controller);
    return count(t, "unknown_trial") >= FLOOD ? t : undefined;
  }, 240_000, async () => scrape(ctl!.controller));
  assert.equal(count(text, "unknown_trial"), FLOOD);
  const rejects = ctl.logs.slice(before).filter((l) => l.includes('"msg":"metric message rejected"'));
  // Per 10 s interval at most 10 lines in full (only when the kind was quiet for the interval before)
  // and one summary; the flood drains within the 240 s waited for above. (An undisturbed run: 11 lines.)
  assert.ok(rejects.length <= 11 * 25, `${rejects.length} log lines for ${FLOOD} rejected messages`);
  assert.ok(rejects.length >= 10, "the first rejects are logged in full");
  assert.match(rejects[0] ?? "", /"reason":"unknown_trial".*"detail":/);
  // The count held back is logged: once the interval after the flood ends, the summaries add up.
  const summed = await until("the last summary line", async () => {
    const lines = ctl!.logs.slice(before).filter((l) => l.includes('"msg":"metric message rejected"'));
    const held = lines.map((l) => JSON.parse(l) as { suppressed?: number }).reduce((n, l) => n + (l.suppressed ?? 0), 0);
    const full = lines.filter((l) => !l.includes('"suppressed"')).length;
    return held + full >= FLOOD ? { held, full } : undefined;
  }, 30_000, async () => ctl!.logs.slice(before).filter((l) => l.includes("suppressed")).join("\n"));
  assert.equal(summed.held + summed.full, FLOOD, "every rejected message is either logged or counted in a summary");
});
