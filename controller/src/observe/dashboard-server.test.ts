import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { clusterJobObject, clusterTrialObject, finishedClusterJob } from "../../../test/fixtures/cluster-job.ts";
import type { Failure } from "./api-failure.ts";
import { clusterResults, jobTrials, parseClusterJob } from "./cluster-results.ts";
import { jobPayload, jobRow, type JobPayload } from "./dashboard-payload.ts";
import { startDashboard } from "./dashboard-server.ts";
import type { DashboardSource } from "./dashboard-source.ts";

const EVIL = `"><script>alert(1)</script><img src=x onerror=alert(2)>'`;

/** A job whose every free-text field a user or a trial controls is hostile: a categorical value, metric and failure reason. */
function hostileObjects(): { job: Record<string, unknown>; trials: Record<string, unknown>[] } {
  const job = clusterJobObject("evil", "ns", { phase: "Running", message: EVIL, reason: EVIL });
  const spec = job.spec as { parameters: { name: string; values?: string[] }[]; objective: Record<string, unknown> };
  spec.parameters[3] = { ...spec.parameters[3], name: "optimizer", values: [EVIL, "sgd"] };
  const trials = [
    clusterTrialObject("evil", 0, { phase: "Succeeded", value: 0.3, metrics: { val_loss: 0.3, [EVIL]: 1 }, curve: [{ step: 1, value: 0.5 }, { step: 2, value: 0.3 }] }, { lr: 0.01, batch: 32, dropout: 0.1, optimizer: EVIL, units: 2 }),
    clusterTrialObject("evil", 1, { phase: "EarlyStopped", reason: EVIL, value: 0.9, curve: [{ step: 1, value: 0.9 }] }, { lr: 0.1, batch: 16, dropout: 0, optimizer: EVIL, units: 1 }),
    clusterTrialObject("evil", 2, { phase: "Failed", reason: EVIL }),
  ];
  return { job, trials };
}

/** A source serving fixed objects; `change` swaps them and tells the listeners. */
function fakeSource(objects: { job: Record<string, unknown>; trials: Record<string, unknown>[] }): DashboardSource & { change(next: typeof objects): void } {
  let current = objects;
  const listeners = new Set<() => void>();
  return {
    namespace: "ns",
    jobs: () => [jobRow(current.job)],
    job: (name): JobPayload | Failure => {
      const p = parseClusterJob(current.job);
      if (!p.ok || p.job.metadata.name !== name) return { ok: false, reason: "not_found", detail: `TuningJob "${name}" not found` };
      return jobPayload("ns", clusterResults(p.job, jobTrials(p.job, current.trials).trials));
    },
    onChange: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    stop: async () => {},
    change(next) {
      current = next;
      for (const fn of listeners) fn();
    },
  };
}

/** One HTTP request with a chosen method and Host header. */
function get(url: string, opts: { method?: string; host?: string } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: opts.method ?? "GET", headers: opts.host ? { host: opts.host } : {} }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("hostile job, trial, parameter and reason text reaches the page escaped: no markup in the server-drawn HTML", async () => {
  const d = await startDashboard(fakeSource(hostileObjects()), { host: "127.0.0.1", port: 0 });
  try {
    const r = await get(`${d.url}api/jobs/ns/evil`);
    assert.equal(r.status, 200);
    const payload = JSON.parse(r.body) as JobPayload;
    assert.ok(payload.ok);
    const html = [payload.summary, ...payload.sections.map((s) => s.html)].join("\n");
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, "the hostile categorical value is shown, escaped");
    const raw = /<script|<img|<\/title><img|onerror=alert\(2\)>/i.exec(html);
    assert.equal(raw, null, `unescaped markup at ${raw?.index}: ${html.slice((raw?.index ?? 0) - 80, (raw?.index ?? 0) + 80)}`);
    // The table's rows carry the text as data; the page writes it with text nodes.
    assert.equal(payload.trials[1]?.reason, EVIL);
    const shell = await get(d.url);
    assert.match(String(shell.headers["content-security-policy"]), /script-src 'self';/);
    assert.doesNotMatch(shell.body, /<script>/, "the page has no inline script");
  } finally {
    await d.close();
  }
});

test("requests for another Host are refused (DNS rebinding), writes are refused (read-only), unknown paths are 404", async () => {
  const d = await startDashboard(fakeSource(finishedClusterJob()), { host: "127.0.0.1", port: 0 });
  try {
    const port = new URL(d.url).port;
    assert.equal((await get(`${d.url}api/jobs`, { host: `evil.example:${port}` })).status, 403);
    assert.equal((await get(`${d.url}api/jobs`, { host: `localhost:${port}` })).status, 200);
    const post = await get(`${d.url}api/jobs`, { method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, "GET, HEAD");
    assert.equal((await get(`${d.url}nope`)).status, 404);
    assert.equal((await get(`${d.url}api/jobs/ns/%E0%A4%A`)).status, 404, "a malformed %-escape is not found, not an error");
    const other = JSON.parse((await get(`${d.url}api/jobs/kube-system/x`)).body) as Failure;
    assert.equal(other.detail, 'this dashboard watches namespace "ns", not "kube-system" (start it with --namespace kube-system)');
    const js = await get(`${d.url}assets/dashboard.js`);
    assert.equal(js.status, 200);
    assert.match(String(js.headers["content-type"]), /^text\/javascript/);
  } finally {
    await d.close();
  }
});

test("a job's event stream sends its view, then a new one when its Trials change", async () => {
  const source = fakeSource(finishedClusterJob());
  const d = await startDashboard(source, { host: "127.0.0.1", port: 0 });
  try {
    const res = await fetch(`${d.url}api/jobs/ns/fixture-job/events`);
    assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const events: JobPayload[] = [];
    let buffer = "";
    const next = async (): Promise<JobPayload> => {
      while (!buffer.includes("\n\n")) buffer += new TextDecoder().decode((await reader.read()).value);
      const [event, ...rest] = buffer.split("\n\n");
      buffer = rest.join("\n\n");
      const p = JSON.parse((event as string).replace(/^data: /, "")) as JobPayload;
      events.push(p);
      return p;
    };
    assert.equal((await next()).trials.length, 3);
    const more = finishedClusterJob();
    more.trials.push(clusterTrialObject("fixture-job", 3, { phase: "Running", curve: [{ step: 1, value: 0.7 }] }));
    source.change(more);
    const second = await next();
    assert.deepEqual(second.trials.map((t) => t.outcome), ["succeeded", "earlyStopped", "failed", "running"]);
    await reader.cancel();
  } finally {
    await d.close();
  }
});
