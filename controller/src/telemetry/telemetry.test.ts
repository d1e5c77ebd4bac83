import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger, errorText, formatLine, sampled } from "./log.ts";
import { createMetrics } from "./metrics.ts";
import { answered, createReachability } from "./reachability.ts";
import { livenessChecks, readiness, startTelemetryServer } from "./server.ts";

test("log lines are one JSON object each, with level filtering and inherited fields", () => {
  const lines: string[] = [];
  const log = createLogger("info", (l) => lines.push(l)).with({ job: "iris" });
  log.debug("hidden");
  log.warn("watch failed", { trial: "iris-00001", gone: undefined });
  assert.equal(lines.length, 1);
  const o = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
  assert.equal(o.level, "warn");
  assert.equal(o.msg, "watch failed");
  assert.equal(o.job, "iris");
  assert.equal(o.trial, "iris-00001");
  assert.ok(!("gone" in o));
  assert.equal(formatLine("info", "m", {}, new Date(0)), '{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"m"}');
});

test("repeated lines are sampled: the first N of a kind, then one count per interval; a quiet kind starts over", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const lines: Record<string, unknown>[] = [];
  const log = sampled(createLogger("info", (l) => lines.push(JSON.parse(l) as Record<string, unknown>)), { keys: ["reason"], first: 3, intervalMs: 10_000 });
  const flood = log.with({ component: "ingest" });
  for (let i = 0; i < 50_000; i++) flood.warn("metric message rejected", { reason: "unknown_trial", detail: `trial t-${i}` });
  log.warn("metric message rejected", { reason: "invalid_json", detail: "x" });
  assert.equal(lines.length, 4, "three of the flood, and the one line of another reason");
  assert.deepEqual(lines.slice(0, 3).map((l) => l.detail), ["trial t-0", "trial t-1", "trial t-2"]);
  assert.equal(lines[0]?.component, "ingest", "a written line keeps every field");
  assert.equal(lines[3]?.reason, "invalid_json");

  t.mock.timers.tick(9_999);
  assert.equal(lines.length, 4, "no summary before the interval ends");
  t.mock.timers.tick(1);
  assert.equal(lines.length, 5);
  assert.deepEqual({ ...lines[4], time: undefined }, { time: undefined, level: "warn", msg: "metric message rejected", reason: "unknown_trial", suppressed: 49_997, intervalSeconds: 10 });

  // Still flooding: only counts, one line per interval.
  for (let i = 0; i < 100; i++) flood.warn("metric message rejected", { reason: "unknown_trial" });
  t.mock.timers.tick(10_000);
  assert.equal(lines.length, 6);
  assert.equal(lines[5]?.suppressed, 100);

  // A quiet interval ends the summaries, and the kind starts over with full lines.
  t.mock.timers.tick(10_000);
  t.mock.timers.tick(10_000);
  assert.equal(lines.length, 6, "nothing held back, nothing to say");
  flood.warn("metric message rejected", { reason: "unknown_trial", detail: "again" });
  assert.equal(lines.length, 7);
  assert.equal(lines[6]?.detail, "again");
});

test("a slow repeat (a retry every 2 s) is sampled too: the first N, then a count per interval", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const lines: Record<string, unknown>[] = [];
  const log = sampled(createLogger("info", (l) => lines.push(JSON.parse(l) as Record<string, unknown>)), { keys: [], first: 3, intervalMs: 10_000 });
  for (let s = 0; s < 60; s += 2) {
    log.warn("lease update failed", { error: "fetch failed: connect ECONNREFUSED 127.0.0.1:6443" });
    t.mock.timers.tick(2_000);
  }
  // 30 attempts in 60 s: 3 in full, then the other 27 in summaries of the intervals that held some back.
  assert.equal(lines.filter((l) => l.suppressed === undefined).length, 3);
  const summaries = lines.filter((l) => l.suppressed !== undefined);
  assert.ok(summaries.length >= 5 && summaries.length <= 6, `${summaries.length} summaries`);
  assert.equal(summaries.reduce((n, l) => n + Number(l.suppressed), 0), 27);
});

test("errorText names the causes fetch hides behind \"fetch failed\"", async () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" });
  assert.equal(errorText(new TypeError("fetch failed", { cause: refused })), "fetch failed: connect ECONNREFUSED 127.0.0.1:6443");
  const both = new AggregateError([new Error("connect ECONNREFUSED ::1:6443"), refused]);
  assert.equal(errorText(new TypeError("fetch failed", { cause: both })), "fetch failed: connect ECONNREFUSED ::1:6443; connect ECONNREFUSED 127.0.0.1:6443");
  assert.equal(errorText("plain"), "plain");
  // A real refused connection, as the controller sees an API server that is down.
  const server = (await import("node:net")).createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  const e = await fetch(`http://127.0.0.1:${port}/version`).catch((x: unknown) => x);
  assert.match(errorText(e), new RegExp(`^fetch failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`));
});

test("readiness fails when any check fails, naming it", () => {
  const r = readiness([{ name: "nats", check: () => ({ ok: false, detail: "not connected" }) }, { name: "informers", check: () => ({ ok: true }) }]);
  assert.equal(r.ok, false);
  assert.match(r.body, /\[-\]nats failed: not connected/);
  assert.match(r.body, /\[\+\]informers ok/);
});

test("the HTTP endpoint serves /metrics with the architecture's names, /healthz and /readyz", async () => {
  const m = createMetrics();
  let natsUp = false;
  const server = await startTelemetryServer({ port: 0, host: "127.0.0.1", registry: m.registry, checks: () => [{ name: "nats", check: () => ({ ok: natsUp }) }] });
  try {
    const base = `http://127.0.0.1:${server.port}`;
    m.metricMessages.inc({ result: "invalid_json" });
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const name of ["kubetune_trials", "kubetune_trials_finished_total", "kubetune_best_objective_value", "kubetune_suggestion_duration_seconds", "kubetune_early_stopping_decisions_total", "controller_runtime_reconcile_total", "controller_runtime_reconcile_errors_total", "controller_runtime_reconcile_time_seconds", "workqueue_depth", "workqueue_adds_total", "kubetune_leader", "process_cpu_seconds_total", "nodejs_eventloop_lag_seconds"]) {
      assert.match(text, new RegExp(`# TYPE ${name} `), name);
    }
    assert.match(text, /kubetune_metric_messages_total\{result="invalid_json"\} 1/);
    assert.match(text, /kubetune_metric_messages_total\{result="unknown_trial"\} 0/, "every reject reason is exported from the start");
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 503);
    natsUp = true;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  } finally {
    await server.close();
  }
});

test("reachability: down from the first miss until an answer, with the latest error", () => {
  let t = 1000;
  const r = createReachability(() => t);
  assert.deepEqual(r.down(), { forMs: 0 });
  r.missed("ECONNREFUSED");
  t += 5000;
  r.missed("socket hang up");
  assert.deepEqual(r.down(), { forMs: 5000, error: "socket hang up" });
  r.reached();
  assert.deepEqual(r.down(), { forMs: 0 });
  assert.ok(answered(404) && answered(413) && answered(409), "the API server answered, if only to refuse");
  assert.ok(!answered(0) && !answered(503) && !answered(502), "no answer of its own");
});

test("/healthz fails (500, naming the dependency and the error) once a dependency is unreachable past the limit, and recovers", async () => {
  let t = 0;
  const api = createReachability(() => t);
  const nats = createReachability(() => t);
  const server = await startTelemetryServer({ port: 0, host: "127.0.0.1", registry: createMetrics().registry, checks: () => [], liveness: () => livenessChecks([{ name: "apiserver", reachability: api }, { name: "nats", reachability: nats }], 60_000) });
  try {
    const healthz = async () => {
      const r = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      return { status: r.status, body: await r.text() };
    };
    assert.equal((await healthz()).status, 200);
    api.missed("connect ECONNREFUSED 127.0.0.1:6443");
    t = 60_000;
    assert.equal((await healthz()).status, 200, "a short outage is ridden out");
    t = 61_000;
    const failed = await healthz();
    assert.equal(failed.status, 500);
    assert.match(failed.body, /\[-\]apiserver failed: unreachable for 61 s \(limit 60 s\): connect ECONNREFUSED/);
    assert.match(failed.body, /\[\+\]nats ok/);
    api.reached();
    assert.equal((await healthz()).status, 200);
    nats.missed("disconnected");
    t = 200_000;
    assert.match((await healthz()).body, /\[-\]nats failed/);
  } finally {
    await server.close();
  }
});
