import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_METRIC_NAMES_PER_TRIAL, type MetricMessage, type TrialAddress } from "../api/metrics.ts";
import { signReport, trialReportKey } from "../api/report-signature.ts";
import { createLogger } from "../telemetry/log.ts";
import { createMetrics } from "../telemetry/metrics.ts";
import type { ReportMode } from "../engine/tuner.ts";
import { createMessageHandler } from "./handler.ts";
import type { MetricsTarget, TrialAdmission } from "./metrics-target.ts";

const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));

function setup(namespaces: string[], states: Record<string, TrialAdmission["state"]>, uids: Record<string, string> = {}, signingKey?: Uint8Array) {
  const reports: [TrialAddress, MetricMessage][] = [];
  // What each trial has reported so far, as the engine keeps it (last value of each metric).
  const known: Record<string, Record<string, number>> = {};
  const modes: ReportMode[] = [];
  const target: MetricsTarget = {
    admission: (a) => {
      const state = states[a.trial] ?? "unknown";
      return state === "running" ? { state, uid: uids[a.trial], metrics: known[a.trial] } : { state };
    },
    apply: (a, m, mode) => {
      if (a.trial === "broken") throw new Error("the trial is gone");
      reports.push([a, m]);
      modes.push(mode);
      Object.assign((known[a.trial] ??= {}), m.metrics);
    },
    persist: async () => {},
  };
  const metrics = createMetrics();
  const handle = createMessageHandler({ namespaces, target, metrics, log: createLogger("error"), ...(signingKey ? { signingKey } : {}) });
  const counted = async (result: string) => (await metrics.metricMessages.get()).values.find((v) => v.labels.result === result)?.value;
  return { handle, reports, modes, counted, known };
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
  const target: MetricsTarget = { admission: () => ({ state: "unknown" }), apply: () => {}, persist: async () => {} };
  const handle = createMessageHandler({ namespaces: ["ns"], target, metrics, log: createLogger("info", (l) => lines.push(l)) });
  for (let i = 0; i < 5_000; i++) handle("kubetune.metrics.ns.j.ghost", enc({ trial: "ghost", step: i, metrics: { loss: 1 } }), new Set());
  assert.equal((await metrics.metricMessages.get()).values.find((v) => v.labels.result === "unknown_trial")?.value, 5_000);
  assert.ok(lines.length > 0 && lines.length <= 10, `${lines.length} lines for 5,000 rejects`);
  t.mock.timers.tick(10_000);
  assert.match(lines.at(-1) ?? "", /"reason":"unknown_trial","suppressed":\d+/);
});

test("with a signing key, only reports signed with their own trial's key are applied; the others are counted by reason", async () => {
  const signingKey = Buffer.from("a-signing-key-of-at-least-32-bytes!!");
  const { handle, reports, counted } = setup(["ns"], { t1: "running", t2: "running", t3: "running", t9: "finished" }, { t1: "uid-1", t2: "uid-2", t9: "uid-9" }, signingKey);
  const key = (trial: string, uid: string, job = "j") => trialReportKey(signingKey, { namespace: "ns", job, trial, uid });
  const jobs = new Set<string>();
  const subject = "kubetune.metrics.ns.j.t1";
  const body = enc({ trial: "t1", step: 1, metrics: { loss: -1000 } });
  assert.equal(handle(subject, body, jobs), "settled", "no signature");
  assert.equal(handle(subject, body, jobs, ""), "settled", "empty signature");
  assert.equal(handle(subject, body, jobs, signReport(key("t2", "uid-2"), subject, body)), "settled", "another trial's key");
  assert.equal(handle(subject, body, jobs, signReport(key("t1", "uid-0"), subject, body)), "settled", "the key of a deleted trial of the same name");
  assert.equal(handle(subject, body, jobs, signReport(key("t1", "uid-1"), "kubetune.metrics.ns.j.t2", body)), "settled", "signed for another subject");
  assert.equal(handle(subject, body, jobs, signReport(key("t1", "uid-1"), subject, enc({ trial: "t1", step: 1, metrics: { loss: 1 } }))), "settled", "signed another body");
  assert.equal(handle(subject, body, jobs, "v1=not-a-digest"), "settled", "malformed");
  assert.equal(handle(subject, body, jobs, signReport(key("t1", "uid-1"), subject, body).replace("v1=", "v2=")), "settled", "unknown version");
  // Running in the engine but without a Trial object yet (no uid): it has no key and no Pod to send from.
  const t3 = enc({ trial: "t3", step: 1, metrics: { loss: 1 } });
  assert.equal(handle("kubetune.metrics.ns.j.t3", t3, jobs, signReport("guess", "kubetune.metrics.ns.j.t3", t3)), "settled");
  // A finished trial's well-signed report is refused for what it is.
  const t9 = enc({ trial: "t9", step: 1, metrics: { loss: 1 } });
  assert.equal(handle("kubetune.metrics.ns.j.t9", t9, jobs, signReport(key("t9", "uid-9"), "kubetune.metrics.ns.j.t9", t9)), "settled");
  assert.deepEqual(reports, [], "nothing forged was applied");
  assert.equal(await counted("unsigned"), 2);
  assert.equal(await counted("bad_signature"), 7);
  assert.equal(await counted("trial_not_running"), 1);
  assert.equal(handle(subject, body, jobs, signReport(key("t1", "uid-1"), subject, body)), "applied");
  assert.deepEqual(reports, [[{ namespace: "ns", job: "j", trial: "t1" }, { trial: "t1", step: 1, metrics: { loss: -1000 } }]]);
  assert.equal(await counted("accepted"), 1);
});

test("with a signing key, a report for a job still loading is retried, not refused, even unsigned", () => {
  const { handle } = setup(["ns"], { t2: "later" }, {}, Buffer.from("a-signing-key-of-at-least-32-bytes!!"));
  assert.equal(handle("kubetune.metrics.ns.k.t2", enc({ trial: "t2", step: 1, metrics: {} }), new Set()), "retry");
});

test("the handler passes on how a report is judged", () => {
  const { handle, modes } = setup(["ns"], { t1: "running" });
  const body = enc({ trial: "t1", step: 1, metrics: { loss: 1 } });
  handle("kubetune.metrics.ns.j.t1", body, new Set());
  handle("kubetune.metrics.ns.j.t1", body, new Set(), undefined, "replayed");
  handle("kubetune.metrics.ns.j.t1", body, new Set(), undefined, "deferred");
  assert.deepEqual(modes, ["live", "replayed", "deferred"]);
});

test("each message's trial is asked about once, signature check and validation together, and afresh for the next message", () => {
  const signingKey = Buffer.from("a-signing-key-of-at-least-32-bytes!!");
  const asked: string[] = [];
  const applied: string[] = [];
  const target: MetricsTarget = {
    admission: (a) => {
      asked.push(a.trial);
      return a.trial === "done" ? { state: "finished" } : { state: "running", uid: `uid-${a.trial}`, metrics: undefined };
    },
    apply: (a) => void applied.push(a.trial),
    persist: async () => {},
  };
  const handle = createMessageHandler({ namespaces: ["ns"], target, metrics: createMetrics(), log: createLogger("error"), signingKey });
  const send = (trial: string) => {
    const subject = `kubetune.metrics.ns.j.${trial}`;
    const body = enc({ trial, step: 1, metrics: { loss: 1 } });
    return handle(subject, body, new Set(), signReport(trialReportKey(signingKey, { namespace: "ns", job: "j", trial, uid: `uid-${trial}` }), subject, body));
  };
  assert.deepEqual([send("t1"), send("t2"), send("done"), send("t1")], ["applied", "applied", "settled", "applied"]);
  assert.deepEqual(asked, ["t1", "t2", "done", "t1"]);
  assert.deepEqual(applied, ["t1", "t2", "t1"]);
});
