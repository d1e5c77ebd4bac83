import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubernetesObject } from "@kubernetes/client-node";
import { createLogger } from "../../telemetry/log.ts";
import { createMetrics } from "../../telemetry/metrics.ts";
import type { KubeApi } from "../api.ts";
import type { Cache, GroupResource } from "../informers.ts";
import type { KindResolution, Workloads } from "../workloads.ts";
import { createReconciler } from "./reconciler.ts";

type Obj = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
const JOBS: GroupResource = { group: "batch", version: "v1", resource: "jobs" };

/** An in-memory cluster whose trials are batch/v1 Jobs; `installed` says whether discovery finds the kind. */
function fake(log = createLogger("error"), successCondition?: string) {
  const store = { jobs: new Map<string, Obj>(), trials: new Map<string, Obj>(), resources: new Map<string, Obj>() };
  const deleted: string[] = [];
  const state = { installed: false };
  let uid = 0;
  const cache = (m: Map<string, Obj>): Cache<KubernetesObject> => ({ get: (_ns, n) => m.get(n), list: () => [...m.values()], synced: () => true, stop: async () => {} });
  const api: KubeApi = {
    createTrial: async (t) => {
      const o = { ...structuredClone(t), metadata: { ...structuredClone(t.metadata), uid: `uid-${uid++}` } } as Obj;
      store.trials.set(t.metadata.name, o);
      return { ok: true, object: { name: t.metadata.name, namespace: "ns", uid: o.metadata?.uid ?? "" } };
    },
    createPod: async () => assert.fail("a Job trial never gets a Pod from kubetune"),
    createSecret: async () => ({ ok: true, object: { name: "s", namespace: "ns", uid: "s" } }),
    deletePod: async () => assert.fail("a Job trial's Pod is never deleted by kubetune"),
    patchTrialStatus: async (_ns, name, status) => {
      const t = store.trials.get(name);
      if (t) t.status = structuredClone(status) as Record<string, unknown>;
    },
    patchJobStatus: async (_ns, name, status, clear = []) => {
      const j = store.jobs.get(name);
      if (!j) return;
      const merged: Record<string, unknown> = { ...j.status, ...structuredClone(status) };
      for (const k of clear) delete merged[k];
      j.status = merged;
    },
    event: async () => {},
  };
  const workloads: Workloads = {
    resolve: async (): Promise<KindResolution> => (state.installed ? { ok: true, resource: JOBS } : { ok: false, reason: "not-installed", detail: "the API server serves no batch/v1" }),
    cache: () => cache(store.resources),
    synced: () => true,
    create: async (_r, o) => {
      store.resources.set(o.metadata?.name ?? "", structuredClone(o) as Obj);
      return { ok: true, object: { name: o.metadata?.name ?? "", namespace: "ns", uid: "r" } };
    },
    delete: async (_r, _ns, name) => {
      deleted.push(name);
      store.resources.delete(name);
    },
    stop: async () => {},
  };
  store.jobs.set("j", {
    apiVersion: "kubetune.io/v1alpha1",
    kind: "TuningJob",
    metadata: { name: "j", namespace: "ns", uid: "job-uid", generation: 1 },
    spec: {
      objective: { metric: "loss", direction: "minimize" },
      parameters: [{ name: "x", type: "double", min: 0, max: 1 }],
      search: { algorithm: "random", seed: 1 },
      budget: { maxTrials: 3, parallelTrials: 3, maxFailedTrials: 0 },
      trialTemplate: { resource: { apiVersion: "batch/v1", kind: "Job", spec: { template: { spec: { containers: [{ name: "t", image: "i", args: ["--x=${params.x}"] }] } } } }, ...(successCondition ? { successCondition, failureCondition: "false" } : {}) },
    },
  } as Obj);
  const { reconcile, target } = createReconciler({
    api, jobs: cache(store.jobs), trials: cache(store.trials), pods: cache(new Map()), workloads, trialNatsUrl: "nats://n:4222",
    channel: { stop: async () => {}, caughtUp: async () => true }, enqueue: () => {}, metrics: createMetrics(), log,
    stopGraceMs: 0, settleMs: 0, synced: () => true,
  });
  return { store, state, deleted, reconcile, target };
}

const status = (o: Obj | undefined) => o?.status as { phase?: string; reason?: string; conditions?: { type: string; status: string }[] } | undefined;

test("a kind that is not installed leaves the job Pending with KindNotInstalled and nothing created, looked up again later; once installed the job runs", async () => {
  const c = fake();
  const first = await c.reconcile("ns/j");
  const s = status(c.store.jobs.get("j"));
  assert.equal(s?.phase, "Pending");
  assert.equal(s?.reason, "KindNotInstalled");
  assert.equal(s?.conditions?.find((x) => x.type === "TrialKind")?.status, "False");
  assert.equal(c.store.trials.size, 0);
  assert.ok((first.requeueAfterMs ?? 0) > 0, "looked up again after a backoff, not never");
  c.state.installed = true;
  await c.reconcile("ns/j");
  const after = status(c.store.jobs.get("j"));
  assert.equal(after?.reason, undefined, "the refusal's reason is cleared");
  assert.equal(after?.conditions?.find((x) => x.type === "TrialKind")?.status, "True");
  assert.deepEqual([...c.store.resources.keys()].sort(), ["j-00000", "j-00001", "j-00002"]);
  assert.equal((c.store.resources.get("j-00000")?.metadata?.ownerReferences ?? [])[0]?.kind, "Trial");
});

test("a Job trial is judged by its conditions; a stopped one's Job is deleted after the grace period", async () => {
  const c = fake();
  c.state.installed = true;
  await c.reconcile("ns/j");
  const a = { namespace: "ns", job: "j", trial: "j-00000" };
  await c.reconcile("ns/j");
  assert.equal(c.target.admission(a).state, "running", "an existing Job with no condition is a running trial");
  c.target.apply(a, { trial: "j-00000", step: 1, metrics: { loss: 0.5 } }, "live");
  (c.store.resources.get("j-00000") as Obj).status = { conditions: [{ type: "Complete", status: "True" }] };
  await c.reconcile("ns/j");
  assert.equal(status(c.store.trials.get("j-00000"))?.phase, "Succeeded");
  (c.store.resources.get("j-00001") as Obj).status = { conditions: [{ type: "Failed", status: "True", message: "BackoffLimitExceeded" }] };
  await c.reconcile("ns/j");
  const failed = status(c.store.trials.get("j-00001"));
  assert.equal(failed?.phase, "Failed");
  assert.match(failed?.reason ?? "", /Job j-00001 failed: BackoffLimitExceeded/);
  // The failure ends the job (maxFailedTrials 0): the trial still running is stopped, and with a grace of 0 its Job goes.
  await c.reconcile("ns/j");
  assert.deepEqual(c.deleted, ["j-00002"], "only the stopped trial's Job is deleted; finished Jobs stay, like finished Pods");
  await c.reconcile("ns/j");
  assert.equal(status(c.store.trials.get("j-00002"))?.phase, "EarlyStopped");
  assert.equal(status(c.store.jobs.get("j"))?.phase, "Failed");
});

test("a resource trial is not retried by kubetune: a failed Job or a Job deleted while its trial runs fails the trial, with no second attempt", async () => {
  const c = fake();
  c.state.installed = true;
  const job = c.store.jobs.get("j") as Obj;
  (job.spec as { budget: Record<string, number> }).budget = { maxTrials: 2, parallelTrials: 2, maxFailedTrials: 2, maxRetries: 2 };
  await c.reconcile("ns/j");
  await c.reconcile("ns/j");
  (c.store.resources.get("j-00000") as Obj).status = { conditions: [{ type: "Failed", status: "True", message: "BackoffLimitExceeded" }] };
  c.store.resources.delete("j-00001");
  await c.reconcile("ns/j");
  await c.reconcile("ns/j");
  const failed = status(c.store.trials.get("j-00000")) as { phase?: string; attempts?: number } | undefined;
  const vanished = status(c.store.trials.get("j-00001")) as { phase?: string; reason?: string; attempts?: number } | undefined;
  assert.equal(failed?.phase, "Failed");
  assert.equal(vanished?.phase, "Failed");
  assert.match(vanished?.reason ?? "", /Job j-00001 was deleted before the trial finished/);
  assert.ok((failed?.attempts ?? 1) === 1 && (vanished?.attempts ?? 1) === 1, "one attempt each");
  assert.deepEqual([...c.store.resources.keys()], ["j-00000"], "no second attempt's resource was created");
});

test("a condition that cannot be evaluated is logged once per trial and error, not at every reconcile, and the trial keeps running", async () => {
  const lines: string[] = [];
  const c = fake(createLogger("info", (l) => void lines.push(l)), "object.status.succeded >= 1");
  c.state.installed = true;
  for (let i = 0; i < 4; i++) await c.reconcile("ns/j");
  for (const r of c.store.resources.values()) r.status = { active: 1 };
  for (let i = 0; i < 3; i++) await c.reconcile("ns/j");
  const warned = lines.filter((l) => l.includes("condition cannot be evaluated"));
  const perTrial = (trial: string) => warned.filter((l) => l.includes(`"trial":"${trial}"`)).length;
  // Once with no status at all, once more when the status appears without the misspelt field.
  assert.deepEqual(["j-00000", "j-00001", "j-00002"].map(perTrial), [2, 2, 2], warned.join("\n"));
  assert.equal(status(c.store.trials.get("j-00000"))?.phase, "Running");
});
