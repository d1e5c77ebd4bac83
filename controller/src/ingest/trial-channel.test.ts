import { test } from "node:test";
import assert from "node:assert/strict";
import type { Ingest } from "./consumer.ts";
import { createTrialChannel } from "./trial-channel.ts";

const trial = { namespace: "ns", job: "j", trial: "j-00001" };

function fakeIngest(since: number, trialCaughtUp: boolean): Ingest & { asked: number } {
  const ingest = {
    asked: 0,
    caughtUpSince: (time: number) => time <= since,
    trialCaughtUp: async () => {
      ingest.asked++;
      return trialCaughtUp;
    },
    stop: async () => {},
  };
  return ingest;
}

test("a stop request is published on the trial's control subject", async () => {
  const sent: [string, string][] = [];
  const channel = createTrialChannel({ publish: (subject, data) => void sent.push([subject, String(data)]) }, () => undefined);
  await channel.stop(trial, "early stopped");
  assert.deepEqual(sent, [["kubetune.control.ns.j.j-00001", JSON.stringify({ action: "stop", reason: "early stopped" })]]);
});

test("a trial is caught up when the whole stream is, or its own last report is applied; never before ingestion runs", async () => {
  let ingest: Ingest | undefined;
  const channel = createTrialChannel({ publish: () => {} }, () => ingest);
  assert.equal(await channel.caughtUp(trial, 0), false, "ingestion not started");
  const caughtUp = fakeIngest(1_000, false);
  ingest = caughtUp;
  assert.equal(await channel.caughtUp(trial, 1_000), true);
  assert.equal(caughtUp.asked, 0, "the stream is caught up: the trial's last report is not looked up");
  assert.equal(await channel.caughtUp(trial, 1_001), false);
  assert.equal(caughtUp.asked, 1);
  ingest = fakeIngest(0, true);
  assert.equal(await channel.caughtUp(trial, 1_001), true);
});
