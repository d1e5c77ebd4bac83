import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeApi } from "./api.ts";
import { withEventQueue } from "./events.ts";
import type { Logger } from "../telemetry/log.ts";

const warnings: string[] = [];
const log = { debug() {}, info() {}, warn: (msg: string) => void warnings.push(msg), error() {} } as unknown as Logger;
const involved = { kind: "Trial", apiVersion: "kubetune.io/v1alpha1", namespace: "ns", name: "t" };

function slowApi() {
  let inFlight = 0;
  let peak = 0;
  const sent: string[] = [];
  const release: (() => void)[] = [];
  const api = {
    event: async (_i: unknown, _t: unknown, reason: string) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise<void>((r) => release.push(r));
      inFlight--;
      if (reason === "Bad") throw new Error("HTTP 500");
      sent.push(reason);
    },
  } as unknown as KubeApi;
  return { api, sent, release, peak: () => peak };
}

test("Events go out a few at a time, in order, each promise settling with its own outcome", async () => {
  const s = slowApi();
  const q = withEventQueue(s.api, { inFlight: 2, backlog: 10, log });
  const all = ["A", "B", "Bad", "C"].map((r) => q.event(involved, "Normal", r, "m").then(() => "sent", () => "failed"));
  while (s.sent.length < 3) {
    await new Promise((r) => setImmediate(r));
    s.release.splice(0).forEach((f) => f());
  }
  assert.equal(s.peak(), 2);
  assert.deepEqual(s.sent, ["A", "B", "C"]);
  assert.deepEqual(await Promise.all(all), ["sent", "sent", "failed", "sent"]);
});

test("past the backlog Events are dropped with one warning, not queued", async () => {
  const s = slowApi();
  let t = 0;
  const q = withEventQueue(s.api, { inFlight: 1, backlog: 2, log, now: () => t });
  warnings.length = 0;
  const kept = ["A", "B", "C"].map((r) => q.event(involved, "Normal", r, "m"));
  await q.event(involved, "Normal", "D", "m");
  await q.event(involved, "Normal", "E", "m");
  assert.equal(warnings.length, 1, "one warning for a burst of drops");
  t = 20_000;
  await q.event(involved, "Normal", "F", "m");
  assert.equal(warnings.length, 2);
  while (s.sent.length < 3) {
    await new Promise((r) => setImmediate(r));
    s.release.splice(0).forEach((f) => f());
  }
  await Promise.all(kept);
  assert.deepEqual(s.sent, ["A", "B", "C"]);
});
