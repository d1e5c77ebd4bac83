import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_METRIC_NAMES_PER_TRIAL, type MetricMessage, type TrialAddress } from "../api/metrics.ts";
import { createLogger } from "../telemetry/log.ts";
import { createMetrics } from "../telemetry/metrics.ts";
import { createMessageHandler, type IngestTarget } from "./consumer.ts";
import type { TrialState } from "./validate.ts";

const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));

function setup(namespaces: string[], states: Record<string, TrialState>) {
  const reports: [TrialAddress, MetricMessage][] = [];
  // What each trial has reported so far, as the engine keeps it (last value of each metric).
  const known: Record<string, Record<string, number>> = {};
  const target: IngestTarget = {
    trialState: (a) => states[a.trial] ?? "unknown",
    knownMetrics: (a) => known[a.trial],
    report: (a, m) => {
      if (a.trial === "broken") throw new Error("the trial is gone");
      reports.push([a, m]);
      Object.assign((known[a.trial] ??= {}), m.metrics);
    },
    persist: async () => {},
  };
  const metrics = createMetrics();
  const handle = createMessageHandler({ namespaces, target, metrics, log: createLogger("error") });
  const counted = async (result: string) => (await metrics.metricMessages.get()).values.find((v) => v.labels.result === result)?.value;
  return { handle, reports, counted, known };
}

test("a trial's new metric names past its bound are dropped and counted; its known names and objective still count", async () => {
  const { handle, reports, counted, known } = setup(["ns"], { t1: "running", t2: "running" });
  const jobs = new Set<string>();
  const names = (from: number, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`m${from + i}`, i]));
  // Fill the trial up to its bound in reports of at most MAX_METRICS_PER_REPORT names.
  for (let from = 0; from < MAX_METRIC_NAMES_PER_TRIAL; from += 100) {
    const n = Math.min(100, MAX_METRIC_NAMES_PER_TRIAL - from);
    assert.equal(handle("kubetune.metrics.ns.j.t1", enc({ trial: "t1", step: from, metrics: names(from, n) }), jobs), "applied");
  }
  assert.equal(Object.keys(known.t1 ?? {}).length, MAX_METRIC_NAMES_PER_TRIAL);
  assert.equal(await counted("names_dropped"), 0);
  // Two new names and a known one: the known one is applied, the new ones are dropped and counted.
  assert.equal(handle("kubetune.metrics.ns.j.t1", enc({ trial: "t1", step: 999, metrics: { m0: 0.5, fresh: 1, fresh2: 2 } }), jobs), "applied");
  assert.deepEqual(reports.at(-1)?.[1], { trial: "t1", step: 999, metrics: { m0: 0.5 } });
  assert.equal(Object.keys(known.t1 ?? {}).length, MAX_METRIC_NAMES_PER_TRIAL, "the trial's names stay bounded");
  assert.equal(await counted("names_dropped"), 1);
  // Another trial has its own bound.
  assert.equal(handle("kubetune.metrics.ns.j.t2", enc({ trial: "t2", step: 1, metrics: { fresh: 1 } }), jobs), "applied");
  assert.deepEqual(reports.at(-1)?.[1].metrics, { fresh: 1 });
  assert.equal(await counted("names_dropped"), 1);
});

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
  const target: IngestTarget = { trialState: () => "unknown", knownMetrics: () => undefined, report: () => {}, persist: async () => {} };
  const handle = createMessageHandler({ namespaces: ["ns"], target, metrics, log: createLogger("info", (l) => lines.push(l)) });
  for (let i = 0; i < 5_000; i++) handle("kubetune.metrics.ns.j.ghost", enc({ trial: "ghost", step: i, metrics: { loss: 1 } }), new Set());
  assert.equal((await metrics.metricMessages.get()).values.find((v) => v.labels.result === "unknown_trial")?.value, 5_000);
  assert.ok(lines.length > 0 && lines.length <= 10, `${lines.length} lines for 5,000 rejects`);
  t.mock.timers.tick(10_000);
  assert.match(lines.at(-1) ?? "", /"reason":"unknown_trial","suppressed":\d+/);
});
