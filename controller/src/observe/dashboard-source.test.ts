import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeApiServer, reply, until } from "../../../test/fixtures/fake-apiserver.ts";
import { clusterJobObject, finishedClusterJob } from "../../../test/fixtures/cluster-job.ts";
import type { Failure } from "./api-failure.ts";
import type { JobPayload, JobRow } from "./dashboard-payload.ts";
import { watchNamespace, type DashboardSource } from "./dashboard-source.ts";

const BASE = "/apis/kubetune.io/v1alpha1/namespaces/ns";

/** Runs `fn` with a source watching namespace ns of a fake API server that answers lists with `lists` (watches stay open and silent). */
async function withSource(lists: (path: string) => { status: number; body: unknown }, fn: (s: DashboardSource, log: string[]) => Promise<void>): Promise<void> {
  const server = await fakeApiServer((req, res) => {
    if (req.query.get("watch") === "true") {
      // Headers now, events never: the informer's watch is established and stays quiet.
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      return;
    }
    const r = lists(req.path);
    reply(res, r.status, r.body);
  });
  const log: string[] = [];
  const source = watchNamespace(server.kc, "ns", (l) => log.push(l));
  try {
    await fn(source, log);
  } finally {
    await source.stop();
    await server.close();
  }
}

const list = (items: unknown[]) => ({ status: 200, body: { apiVersion: "v1", kind: "List", metadata: { resourceVersion: "1" }, items } });

test("the source lists the namespace's jobs and shows one job from its watched Trials", async () => {
  const { job, trials } = finishedClusterJob();
  const empty = clusterJobObject("empty-job", "ns", { phase: "Failed", message: "invalid trial template" });
  await withSource((path) => (path === `${BASE}/tuningjobs` ? list([job, empty]) : path === `${BASE}/trials` ? list(trials) : { status: 404, body: {} }), async (s) => {
    await until("the caches to sync", () => Array.isArray(s.jobs()) && (s.job("fixture-job") as { ok: boolean }).ok);
    assert.deepEqual((s.jobs() as JobRow[]).map((r) => [r.name, r.phase, r.progress]), [["empty-job", "Failed", "0/20"], ["fixture-job", "Succeeded", "0/20"]]);
    const page = s.job("fixture-job") as JobPayload;
    assert.deepEqual(page.trials.map((t) => t.outcome), ["succeeded", "earlyStopped", "failed"]);
    assert.deepEqual(page.trials[1]?.paramsText, { lr: "0.2", batch: "16", dropout: "0.3", optimizer: "sgd", units: "4" });
    // report.html's chart sections (whatever they are: importance joins them), then parallel coordinates.
    const ids = page.sections.map((x) => x.id);
    assert.deepEqual(ids.slice(0, 3), ["objective", "curves", "parameters"]);
    assert.equal(ids.at(-1), "parallel");
    assert.deepEqual(s.job("nope"), { ok: false, reason: "not_found", detail: 'TuningJob "nope" not found in namespace "ns" (kubectl get tuningjobs -n ns lists them)' });
    assert.deepEqual(s.job("empty-job"), { ok: false, reason: "no_trials", detail: 'TuningJob "empty-job" in namespace "ns" has no Trials yet (phase Failed: invalid trial template)' });
  });
});

test("without RBAC the source shows the refusal in one line, and logs it once", async () => {
  const forbidden = { status: 403, body: { kind: "Status", reason: "Forbidden", message: 'tuningjobs.kubetune.io is forbidden: User "bob" cannot list resource "tuningjobs"' } };
  await withSource(() => forbidden, async (s, log) => {
    await until("the refusal", () => !Array.isArray(s.jobs()) && (s.jobs() as Failure).reason === "forbidden");
    const f = s.jobs() as Failure;
    assert.match(f.detail, /^not allowed to list tuningjobs in namespace "ns" \(403 Forbidden\): .*User "bob" cannot list/);
    assert.deepEqual(s.job("fixture-job"), f, "a job page shows the same refusal");
    assert.deepEqual(log, [`✗ ${f.detail}`]);
  });
});
