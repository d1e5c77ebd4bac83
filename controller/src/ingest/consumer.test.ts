import { test } from "node:test";
import assert from "node:assert/strict";
import type { MetricMessage, TrialAddress } from "../api/metrics.ts";
import { createLogger } from "../telemetry/log.ts";
import { createMetrics } from "../telemetry/metrics.ts";
import type { ReportMode } from "../engine/tuner.ts";
import { createMessageHandler, reportMode, type IngestTarget } from "./consumer.ts";
import type { TrialState } from "./validate.ts";

const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));

function setup(namespaces: string[], states: Record<string, TrialState>) {
  const reports: [TrialAddress, MetricMessage][] = [];
  const modes: (ReportMode | undefined)[] = [];
  const target: IngestTarget = {
    trialState: (a) => states[a.trial] ?? "unknown",
    report: (a, m, mode) => {
      if (a.trial === "broken") throw new Error("the trial is gone");
      reports.push([a, m]);
      modes.push(mode);
    },
    persist: async () => {},
  };
  const metrics = createMetrics();
  const handle = createMessageHandler({ namespaces, target, metrics, log: createLogger("error") });
  const counted = async (result: string) => (await metrics.metricMessages.get()).values.find((v) => v.labels.result === result)?.value;
  return { handle, reports, modes, counted };
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

test("the handler passes on how a report is judged", () => {
  const { handle, modes } = setup(["ns"], { t1: "running" });
  const body = enc({ trial: "t1", step: 1, metrics: { loss: 1 } });
  handle("kubetune.metrics.ns.j.t1", body, new Set());
  handle("kubetune.metrics.ns.j.t1", body, new Set(), "replayed");
  handle("kubetune.metrics.ns.j.t1", body, new Set(), "deferred");
  assert.deepEqual(modes, ["live", "replayed", "deferred"]);
});

test("a report applied before is replayed, one new while the predecessor's are still due is deferred, then live", () => {
  const fresh = { seq: 11, redelivered: false };
  const state = { predecessorUpTo: 10, neverApplied: false, predecessorDone: false };
  assert.equal(reportMode({ seq: 7, redelivered: true }, state), "replayed", "delivered to the predecessor: it judged it");
  assert.equal(reportMode({ seq: 7, redelivered: true }, { ...state, predecessorDone: true, neverApplied: true }), "replayed", "still the predecessor's, whatever happened here");
  assert.equal(reportMode(fresh, state), "deferred", "the predecessor's unacknowledged reports are still to come back");
  assert.equal(reportMode(fresh, { ...state, predecessorDone: true }), "live");
  assert.equal(reportMode({ seq: 12, redelivered: true }, { ...state, predecessorDone: true }), "replayed", "this consumer applied it before a failed persist or ack");
  assert.equal(reportMode({ seq: 12, redelivered: true }, { ...state, predecessorDone: true, neverApplied: true }), "live", "handed back while its job was loading: never judged");
});
