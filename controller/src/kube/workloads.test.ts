import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger } from "../telemetry/log.ts";
import { withServer } from "../../../test/fixtures/fake-apiserver.ts";
import { startWorkloads } from "./workloads.ts";

const discovery = { status: 200, body: { kind: "APIResourceList", resources: [{ name: "jobs", kind: "Job", namespaced: true }, { name: "jobs/status", kind: "Job", namespaced: true }] } };
const status = (code: number, message: string) => ({ status: code, body: { kind: "Status", code, message } });
const log = createLogger("error");

test("a kind is resolved by discovery and a list check, then remembered", async () => {
  await withServer([discovery, { status: 200, body: { items: [] } }], async (kc, seen) => {
    const w = startWorkloads(kc, ["ns"], () => {}, log);
    assert.deepEqual(await w.resolve("ns", "batch/v1", "Job"), { ok: true, resource: { group: "batch", version: "v1", resource: "jobs" } });
    assert.deepEqual(seen.map((s) => `${s.method} ${s.url}`), ["GET /apis/batch/v1", "GET /apis/batch/v1/namespaces/ns/jobs?limit=1"]);
    assert.equal((await w.resolve("ns", "batch/v1", "Job")).ok, true);
    assert.equal(seen.length, 2, "a resolved kind is not looked up again");
  });
});

test("a group the API server does not serve, or a kind it lacks, is not-installed; a list the controller may not make is forbidden and names the chart value", async () => {
  await withServer([status(404, "the server could not find the requested resource"), discovery, discovery, status(403, 'jobs.batch is forbidden: User "system:serviceaccount:k:kubetune" cannot list resource "jobs"')], async (kc) => {
    const w = startWorkloads(kc, ["ns"], () => {}, log);
    const missing = await w.resolve("ns", "example.com/v1", "Widget");
    assert.equal(missing.ok, false);
    assert.equal(!missing.ok && missing.reason, "not-installed");
    assert.match(!missing.ok ? missing.detail : "", /serves no example.com\/v1: install the CRD/);
    const noKind = await w.resolve("ns", "batch/v1", "CronJob");
    assert.equal(!noKind.ok && noKind.reason, "not-installed");
    assert.match(!noKind.ok ? noKind.detail : "", /batch\/v1 has no kind CronJob/);
    const denied = await w.resolve("ns", "batch/v1", "Job");
    assert.equal(!denied.ok && denied.reason, "forbidden");
    assert.match(!denied.ok ? denied.detail : "", /add \{group: batch, resource: jobs\} to the chart's controller.trialKinds/);
  });
});

test("a trial's resource is created in its namespace and deleted with Background propagation; a missing one is no error", async () => {
  const created = { status: 201, body: { metadata: { name: "j-00000", namespace: "ns", uid: "u1" } } };
  await withServer([created, status(409, "exists"), { status: 200, body: {} }, status(404, "gone")], async (kc, seen) => {
    const w = startWorkloads(kc, ["ns"], () => {}, log);
    const jobs = { group: "batch", version: "v1", resource: "jobs" };
    const obj = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j-00000", namespace: "ns" } };
    assert.deepEqual(await w.create(jobs, obj), { ok: true, object: { name: "j-00000", namespace: "ns", uid: "u1" } });
    assert.equal((await w.create(jobs, obj)).ok, false);
    await w.delete(jobs, "ns", "j-00000");
    await w.delete(jobs, "ns", "j-00000");
    assert.equal(seen[0]?.url, "/apis/batch/v1/namespaces/ns/jobs");
    assert.equal(seen[2]?.method, "DELETE");
    assert.equal(seen[2]?.url, "/apis/batch/v1/namespaces/ns/jobs/j-00000");
    assert.equal(JSON.parse(seen[2]?.body ?? "{}").propagationPolicy, "Background");
  });
});
