import { test } from "node:test";
import assert from "node:assert/strict";
import type { MetricMessage, TrialAddress } from "../api/metrics.ts";
import { createLogger } from "../telemetry/log.ts";
import { createMetrics } from "../telemetry/metrics.ts";
import { createMessageHandler, type IngestTarget } from "./consumer.ts";
import type { TrialState } from "./validate.ts";

const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));

function setup(namespaces: string[], states: Record<string, TrialState>) {
  const reports: [TrialAddress, MetricMessage][] = [];
  const target: IngestTarget = {
    trialState: (a) => states[a.trial] ?? "unknown",
    report: (a, m) => {
      if (a.trial === "broken") throw new Error("the trial is gone");
      reports.push([a, m]);
    },
    persist: async () => {},
  };
  const metrics = createMetrics();
  const handle = createMessageHandler({ namespaces, target, metrics, log: createLogger("error") });
  const counted = async (result: string) => (await metrics.metricMessages.get()).values.find((v) => v.labels.result === result)?.value;
  return { handle, reports, counted };
}

test("the message handler applies valid reports, settles bad ones, and retries jobs still loading", async () => {
  const { handle, reports, counted } = setup(["ns"], { t1: "running", t2: "later", t3: "finished", broken: "running" });
  const jobs = new Set<string>();
  assert.equal(handle("kubetune.metrics.ns.j.t1", enc({ trial: "t1", step: 1, metrics: { loss: 1 } }), jobs), "applied");
  assert.deepEqual([...jobs], ["ns/j"]);
  assert.deepEqual(reports, [[{ namespace: "ns", job: "j", trial: "t1" }, { trial: "t1", step: 1, metrics: { loss: 1 } }]]);
  assert.equal(handle("kubetune.metrics.ns.k.t2", enc({ trial: "t2", step: 1, metrics: {} }), jobs), "retry");
  assert.equal(handle("kubetune.metrics.ns.k.t3", enc({ trial: "t3", step: 1, metrics: {} }), jobs), "settled");
  assert.equal(handle("kubetune.metrics.ns.k.broken", enc({ trial: "broken", step: 1, metrics: {} }), jobs), "settled");
  assert.equal(handle("kubetune.metrics.ns.k.t1", new TextEncoder().encode("{"), jobs), "settled");
  assert.deepEqual([...jobs], ["ns/j"], "only applied reports name a job to persist");
  assert.equal(await counted("accepted"), 1);
  assert.equal(await counted("trial_not_running"), 2);
  assert.equal(await counted("invalid_json"), 1);
});

test("with several namespaces watched, another namespace's reports are settled without being judged", async () => {
  const { handle, reports, counted } = setup(["a", "b"], { t1: "running" });
  const jobs = new Set<string>();
  assert.equal(handle("kubetune.metrics.c.j.t1", enc({ trial: "t1", step: 1, metrics: { loss: 1 } }), jobs), "settled");
  assert.equal(handle("kubetune.metrics.b.j.t1", enc({ trial: "t1", step: 1, metrics: { loss: 1 } }), jobs), "applied");
  assert.equal(reports.length, 1);
  assert.equal(await counted("accepted"), 1);
});

test("a flood of rejected messages is counted in full and logged as a sample", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const lines: string[] = [];
  const metrics = createMetrics();
  const target: IngestTarget = { trialState: () => "unknown", report: () => {}, persist: async () => {} };
  const handle = createMessageHandler({ namespaces: ["ns"], target, metrics, log: createLogger("info", (l) => lines.push(l)) });
  for (let i = 0; i < 5_000; i++) handle("kubetune.metrics.ns.j.ghost", enc({ trial: "ghost", step: i, metrics: { loss: 1 } }), new Set());
  assert.equal((await metrics.metricMessages.get()).values.find((v) => v.labels.result === "unknown_trial")?.value, 5_000);
  assert.ok(lines.length > 0 && lines.length <= 10, `${lines.length} lines for 5,000 rejects`);
  t.mock.timers.tick(10_000);
  assert.match(lines.at(-1) ?? "", /"reason":"unknown_trial","suppressed":\d+/);
});
