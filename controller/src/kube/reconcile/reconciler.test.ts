import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubernetesObject } from "@kubernetes/client-node";
import type { MetricMessage, TrialAddress } from "../../api/metrics.ts";
import type { ReportMode } from "../../engine/tuner.ts";
import type { TrialAdmission } from "../../ingest/metrics-target.ts";
import { createLogger } from "../../telemetry/log.ts";
import { createMetrics } from "../../telemetry/metrics.ts";
import { ApiCallError, type KubeApi } from "../api.ts";
import type { Cache } from "../informers.ts";
import type { ReconcileOutcome } from "../workqueue.ts";
import type { ReconcileDeps } from "./deps.ts";
import { createReconciler } from "./reconciler.ts";
import { TuningJobSpec } from "../../api/tuningjob.ts";
import type { WarmObservation } from "../../api/warm-start.ts";
import { createTuner } from "../../engine/tuner.ts";

/** The reconciler as these tests drive it: the work queue's reconcile, and ingest's port in the words of its checks. */
interface Reconciler {
  reconcile(key: string): Promise<ReconcileOutcome>;
  report(a: TrialAddress, m: MetricMessage, mode?: ReportMode): void;
  persist(keys: ReadonlySet<string>): Promise<void>;
  trialState(a: TrialAddress): TrialAdmission["state"];
  trialUid(a: TrialAddress): string | undefined;
}

function driven(deps: ReconcileDeps): Reconciler {
  const { reconcile, target } = createReconciler(deps);
  return {
    reconcile,
    report: (a, m, mode = "live") => target.apply(a, m, mode),
    persist: (keys) => target.persist(keys),
    trialState: (a) => target.admission(a).state,
    trialUid: (a) => {
      const s = target.admission(a);
      return s.state === "running" ? s.uid : undefined;
    },
  };
}

type Obj = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

/** An in-memory cluster: caches the reconciler reads, and an API that writes into them. */
function fakeCluster() {
  const store = { jobs: new Map<string, Obj>(), trials: new Map<string, Obj>(), pods: new Map<string, Obj>(), secrets: new Map<string, Obj>() };
  const calls = { trialCreates: 0, podCreates: 0, trialPatches: 0, jobPatches: 0, events: [] as string[], eventLog: [] as { kind: string; name: string; type: string; reason: string; message: string }[], creates: [] as string[] };
  let uid = 0;
  const cache = (m: Map<string, Obj>): Cache<KubernetesObject> => ({
    get: (_ns, name) => m.get(name),
    list: () => [...m.values()],
    synced: () => true,
    stop: async () => {},
  });
  const api: KubeApi = {
    createTrial: async (t) => {
      calls.trialCreates++;
      if (store.trials.has(t.metadata.name)) return { ok: false, reason: "exists", detail: "already exists" };
      const o = { ...structuredClone(t), metadata: { ...structuredClone(t.metadata), uid: `uid-${uid++}` } } as Obj;
      store.trials.set(t.metadata.name, o);
      return { ok: true, object: { name: t.metadata.name, namespace: "ns", uid: o.metadata?.uid ?? "" } };
    },
    createPod: async (p) => {
      calls.podCreates++;
      const name = p.metadata?.name ?? "";
      calls.creates.push(`Pod ${name}`);
      if (store.pods.has(name)) return { ok: false, reason: "exists", detail: "already exists" };
      store.pods.set(name, { ...structuredClone(p), status: { phase: "Pending" } } as Obj);
      return { ok: true, object: { name, namespace: "ns", uid: "pod" } };
    },
    createSecret: async (sec) => {
      const name = sec.metadata?.name ?? "";
      calls.creates.push(`Secret ${name}`);
      if (store.secrets.has(name)) return { ok: false, reason: "exists", detail: "already exists" };
      store.secrets.set(name, structuredClone(sec) as Obj);
      return { ok: true, object: { name, namespace: "ns", uid: "secret" } };
    },
    deletePod: async (_ns, name) => void store.pods.delete(name),
    patchTrialStatus: async (_ns, name, status) => {
      calls.trialPatches++;
      const t = store.trials.get(name);
      if (t) t.status = structuredClone(status) as Record<string, unknown>;
    },
    patchJobStatus: async (_ns, name, status, clear = []) => {
      calls.jobPatches++;
      const j = store.jobs.get(name);
      // A merge patch, as the API server applies it: named fields replaced, `clear` removed, the rest kept.
      if (j) {
        const merged: Record<string, unknown> = { ...j.status, ...structuredClone(status) };
        for (const k of clear) delete merged[k];
        j.status = merged;
      }
    },
    event: async (o, type, reason, message) => {
      calls.events.push(reason);
      calls.eventLog.push({ kind: o.kind, name: o.name, type, reason, message });
    },
  };
  const deps = (): ReconcileDeps => ({
    api,
    jobs: cache(store.jobs),
    trials: cache(store.trials),
    pods: cache(store.pods),
    trialNatsUrl: "nats://n:4222",
    channel: { stop: async () => {}, caughtUp: async () => true },
    enqueue: () => {},
    metrics: createMetrics(),
    log: createLogger("error"),
    stopGraceMs: 0,
    settleMs: 0,
    synced: () => true,
  });
  const reconciler = (extra: Partial<ReconcileDeps> = {}): Reconciler => driven({ ...deps(), ...extra });
  return { store, calls, deps, reconciler, api };
}

function addJob(store: ReturnType<typeof fakeCluster>["store"], maxTrials: number, generation = 1, over: { goal?: number; parallelTrials?: number; earlyStopping?: object } = {}): void {
  store.jobs.set("j", {
    apiVersion: "kubetune.io/v1alpha1",
    kind: "TuningJob",
    metadata: { name: "j", namespace: "ns", uid: "job-uid", generation },
    spec: {
      objective: { metric: "loss", direction: "minimize", ...(over.goal !== undefined ? { goal: over.goal } : {}) },
      parameters: [{ name: "x", type: "double", min: 0, max: 1 }],
      search: { algorithm: "random", seed: 1 },
      budget: { maxTrials, parallelTrials: over.parallelTrials ?? 1, maxFailedTrials: 2 },
      ...(over.earlyStopping ? { earlyStopping: over.earlyStopping } : {}),
      trialTemplate: { spec: { containers: [{ name: "t", image: "i", args: ["--x=${params.x}"] }] } },
    },
    status: store.jobs.get("j")?.status,
  } as Obj);
}

const phase = (store: ReturnType<typeof fakeCluster>["store"], name: string) => (store.trials.get(name)?.status as { phase?: string } | undefined)?.phase;
const addr = (trial: string) => ({ namespace: "ns", job: "j", trial });

/** Runs one trial to success: its Pod (of its current attempt: `podName`) runs, reports, and succeeds. */
async function finishTrial(c: ReturnType<typeof fakeCluster>, r: Reconciler, name: string, loss: number, podName = name): Promise<void> {
  const pod = c.store.pods.get(podName);
  assert.ok(pod, `${name} has a Pod ${podName}`);
  pod.status = { phase: "Running" };
  await r.reconcile("ns/j");
  r.report(addr(name), { trial: name, step: 1, metrics: { loss: loss + 1 } });
  r.report(addr(name), { trial: name, step: 2, metrics: { loss } });
  await r.persist(new Set(["ns/j"]));
  pod.status = { phase: "Succeeded" };
  await r.reconcile("ns/j");
}

test("trials run one at a time to the budget; reports are persisted in one patch per batch; editing the budget takes effect", async () => {
  const c = fakeCluster();
  addJob(c.store, 2);
  const r = c.reconciler();
  await r.reconcile("ns/j");
  assert.deepEqual([...c.store.trials.keys()], ["j-00000"]);
  assert.deepEqual([...c.store.pods.keys()], ["j-00000"]);
  const pod = c.store.pods.get("j-00000") as { spec: { containers: { args: string[] }[] } };
  assert.match(pod.spec.containers[0]?.args[0] ?? "", /^--x=0\.\d+$/);

  c.store.pods.get("j-00000")!.status = { phase: "Running" };
  await r.reconcile("ns/j");
  const before = c.calls.trialPatches;
  for (let step = 1; step <= 5; step++) r.report(addr("j-00000"), { trial: "j-00000", step, metrics: { loss: 1 / step } });
  await r.persist(new Set(["ns/j"]));
  assert.equal(c.calls.trialPatches - before, 1, "five reports, one Trial status patch");
  assert.equal((c.store.trials.get("j-00000")?.status as { curve: unknown[] }).curve.length, 5);
  c.store.pods.get("j-00000")!.status = { phase: "Succeeded" };
  await r.reconcile("ns/j");
  assert.equal(phase(c.store, "j-00000"), "Succeeded");

  await finishTrial(c, r, "j-00001", 0.3);
  assert.equal((c.store.jobs.get("j")?.status as { phase: string }).phase, "Succeeded");
  addJob(c.store, 3, 2);
  await r.reconcile("ns/j");
  // A job that succeeded with MaxTrialsReached resumes when maxTrials is raised (extend.ts; tests at the end).
  assert.deepEqual([...c.store.trials.keys()], ["j-00000", "j-00001", "j-00002"]);
});

test("a raised budget on a running job launches more trials; observedGeneration follows", async () => {
  const c = fakeCluster();
  addJob(c.store, 1);
  const r = c.reconciler();
  await r.reconcile("ns/j");
  addJob(c.store, 2, 2);
  await finishTrial(c, r, "j-00000", 0.5);
  assert.deepEqual([...c.store.trials.keys()], ["j-00000", "j-00001"]);
  assert.equal((c.store.jobs.get("j")?.status as { observedGeneration: number }).observedGeneration, 2);
  await finishTrial(c, r, "j-00001", 0.4);
  const status = c.store.jobs.get("j")?.status as { phase: string; progress: string; bestTrial: { name: string; value: number } };
  assert.equal(status.phase, "Succeeded");
  assert.equal(status.progress, "2/2");
  assert.deepEqual([status.bestTrial.name, status.bestTrial.value], ["j-00001", 0.4]);
});

test("a Pod deleted while its trial runs (lost with its node, or by hand) is retried once as <trial>-a2; nothing is counted as failed", async () => {
  const c = fakeCluster();
  addJob(c.store, 3);
  const r = c.reconciler();
  await r.reconcile("ns/j");
  c.store.pods.get("j-00000")!.status = { phase: "Running" };
  await r.reconcile("ns/j");
  c.store.pods.delete("j-00000");
  await r.reconcile("ns/j");
  await r.reconcile("ns/j");
  const status = c.store.trials.get("j-00000")?.status as { phase?: string; attempts: number; podName: string; retries: { reason: string; attempt: number }[] };
  assert.equal(status.phase, "Pending", "the next attempt waits for its Pod");
  assert.deepEqual([status.attempts, status.podName, status.retries.map((x) => [x.attempt, x.reason])], [2, "j-00000-a2", [[1, "NodeLost"]]]);
  assert.ok(!c.store.pods.has("j-00000"), "the deleted Pod is not recreated under its own name");
  assert.equal((c.store.pods.get("j-00000-a2")?.metadata?.labels as Record<string, string>)["kubetune.io/attempt"], "2");
  assert.ok(!c.store.pods.has("j-00001"), "the retried trial holds its parallelTrials slot");
  const job = c.store.jobs.get("j")?.status as { trials: unknown; retries: number };
  assert.deepEqual(job.trials, { pending: 1, running: 0, succeeded: 0, failed: 0, earlyStopped: 0 });
  assert.equal(job.retries, 1);
  assert.deepEqual(c.calls.events.filter((e) => e === "NodeLost" || e === "TrialFailed"), ["NodeLost"]);
  await finishTrial(c, r, "j-00000", 0.5, "j-00000-a2");
  assert.equal(phase(c.store, "j-00000"), "Succeeded");
  assert.ok(c.store.pods.has("j-00001"));
});

test("a new controller rebuilds from the Trials: the running trial keeps its curve, no trial or Pod is created again", async () => {
  const c = fakeCluster();
  addJob(c.store, 3);
  const first = c.reconciler();
  await first.reconcile("ns/j");
  await finishTrial(c, first, "j-00000", 0.5);
  c.store.pods.get("j-00001")!.status = { phase: "Running" };
  await first.reconcile("ns/j");
  first.report(addr("j-00001"), { trial: "j-00001", step: 1, metrics: { loss: 0.9 } });
  await first.persist(new Set(["ns/j"]));
  const creates = { trials: c.calls.trialCreates, pods: c.calls.podCreates };

  const second = c.reconciler();
  await second.reconcile("ns/j");
  assert.deepEqual({ trials: c.calls.trialCreates, pods: c.calls.podCreates }, creates, "nothing created again");
  assert.equal(second.trialState(addr("j-00001")), "running");
  assert.equal(second.trialState(addr("j-00000")), "finished");
  assert.equal(second.trialState(addr("j-00077")), "unknown");
  second.report(addr("j-00001"), { trial: "j-00001", step: 2, metrics: { loss: 0.2 } });
  await second.persist(new Set(["ns/j"]));
  assert.deepEqual((c.store.trials.get("j-00001")?.status as { curve: unknown }).curve, [{ step: 1, value: 0.9 }, { step: 2, value: 0.2 }]);
  c.store.pods.get("j-00001")!.status = { phase: "Succeeded" };
  await second.reconcile("ns/j");
  assert.equal(phase(c.store, "j-00001"), "Succeeded");
  assert.deepEqual([...c.store.trials.keys()], ["j-00000", "j-00001", "j-00002"]);
});

test("a succeeded Pod that never reported the objective is a failed trial with that reason", async () => {
  const c = fakeCluster();
  addJob(c.store, 2);
  const r = c.reconciler();
  await r.reconcile("ns/j");
  c.store.pods.get("j-00000")!.status = { phase: "Succeeded" };
  await r.reconcile("ns/j");
  assert.equal(phase(c.store, "j-00000"), "Failed");
  assert.match((c.store.trials.get("j-00000")?.status as { reason: string }).reason, /without reporting the objective metric "loss"/);
});

test("reaching the goal ends the job and stops the trial still running: EarlyStopped with the reason, its Pod deleted", async () => {
  const c = fakeCluster();
  addJob(c.store, 5, 1, { goal: 0.1, parallelTrials: 2 });
  const r = c.reconciler();
  await r.reconcile("ns/j");
  assert.deepEqual([...c.store.pods.keys()], ["j-00000", "j-00001"]);
  c.store.pods.get("j-00001")!.status = { phase: "Running" };
  await finishTrial(c, r, "j-00000", 0.05);
  const job = c.store.jobs.get("j")?.status as { phase: string; reason: string };
  assert.deepEqual([job.phase, job.reason], ["Succeeded", "GoalReached"]);
  const stopped = c.store.trials.get("j-00001")?.status as { phase: string; reason: string };
  assert.deepEqual([stopped.phase, stopped.reason], ["EarlyStopped", "the job ended (GoalReached)"]);
  await r.reconcile("ns/j");
  assert.ok(!c.store.pods.has("j-00001"), "the stopped trial's Pod is deleted after the grace period");
  const outcome = await r.reconcile("ns/j");
  assert.equal(outcome.requeueAfterMs, undefined, "nothing left to wait for");
  assert.deepEqual((c.store.jobs.get("j")?.status as { trials: unknown }).trials, { pending: 0, running: 0, succeeded: 1, failed: 0, earlyStopped: 1 });
  assert.equal(c.store.trials.size, 2, "no trial is launched after the end");
  assert.ok(c.calls.events.includes("JobSucceeded"));
});

test("an early-stop decision marks the Trial at once; a budget edit meanwhile keeps it EarlyStopped", async () => {
  const c = fakeCluster();
  const median = { algorithm: "median", settings: { minTrials: 1, startStep: 1 } };
  addJob(c.store, 3, 1, { parallelTrials: 2, earlyStopping: median });
  const r = c.reconciler();
  await r.reconcile("ns/j");
  c.store.pods.get("j-00001")!.status = { phase: "Running" };
  await finishTrial(c, r, "j-00000", 0.05);
  r.report(addr("j-00001"), { trial: "j-00001", step: 1, metrics: { loss: 100 } });
  r.report(addr("j-00001"), { trial: "j-00001", step: 2, metrics: { loss: 100 } });
  await r.persist(new Set(["ns/j"]));
  const stopped = c.store.trials.get("j-00001")?.status as { phase: string; reason: string };
  assert.equal(stopped.phase, "EarlyStopped");
  assert.match(stopped.reason, /\S/);
  assert.ok(c.calls.events.includes("EarlyStopped"));
  addJob(c.store, 4, 2, { parallelTrials: 2, earlyStopping: median });
  c.store.pods.get("j-00001")!.status = { phase: "Succeeded" };
  await r.reconcile("ns/j");
  assert.equal(phase(c.store, "j-00001"), "EarlyStopped");
  assert.equal((c.store.jobs.get("j")?.status as { trials: { earlyStopped: number } }).trials.earlyStopped, 1);
});

test("a Trial deleted by hand is recreated with its status; a running one is retried once its Pod is gone", async () => {
  const c = fakeCluster();
  addJob(c.store, 4);
  const r = c.reconciler();
  await r.reconcile("ns/j");
  await finishTrial(c, r, "j-00000", 0.5);
  c.store.pods.get("j-00001")!.status = { phase: "Running" };
  await r.reconcile("ns/j");
  c.store.trials.delete("j-00000");
  c.store.trials.delete("j-00001");
  c.store.pods.delete("j-00001"); // the garbage collector follows the Trial
  await r.reconcile("ns/j");
  await r.reconcile("ns/j");
  assert.equal(phase(c.store, "j-00000"), "Succeeded", "the finished trial is back on record");
  assert.equal((c.store.trials.get("j-00000")?.status as { value: number }).value, 0.5);
  // Its Pod went with it, which to the controller is a Pod lost while the trial ran: a NodeLost retry.
  assert.equal(phase(c.store, "j-00001"), "Pending");
  assert.equal((c.store.trials.get("j-00001")?.status as { attempts: number }).attempts, 2);
  assert.ok(c.store.pods.has("j-00001-a2"));
  assert.deepEqual((c.store.jobs.get("j")?.status as { trials: unknown }).trials, { pending: 1, running: 0, succeeded: 1, failed: 0, earlyStopped: 0 });
  assert.deepEqual([...c.store.trials.keys()].sort(), ["j-00000", "j-00001"]);
});

test("a Trial of our name that is not the job's is never adopted: the job fails and says why", async () => {
  const c = fakeCluster();
  addJob(c.store, 5);
  c.store.trials.set("j-00000", { apiVersion: "kubetune.io/v1alpha1", kind: "Trial", metadata: { name: "j-00000", namespace: "ns", uid: "foreign" }, spec: { index: 0, params: { x: 99 } } } as Obj);
  await c.reconciler().reconcile("ns/j");
  const status = c.store.jobs.get("j")?.status as { phase: string; message: string };
  assert.equal(status.phase, "Failed");
  assert.match(status.message, /Trial j-00000 already exists with other parameters and is not this job's/);
  assert.deepEqual((c.store.trials.get("j-00000")?.spec as { params: unknown }).params, { x: 99 }, "the foreign Trial is left as it was");
  assert.equal(c.store.pods.size, 0);
});

test("a Trial deleted while no controller ran is not recreated, and new trials are numbered past the highest", async () => {
  const c = fakeCluster();
  addJob(c.store, 5);
  const first = c.reconciler();
  await first.reconcile("ns/j");
  await finishTrial(c, first, "j-00000", 0.5);
  await finishTrial(c, first, "j-00001", 0.4);
  c.store.trials.delete("j-00001");
  c.store.pods.delete("j-00001");
  const second = c.reconciler();
  await second.reconcile("ns/j");
  await finishTrial(c, second, "j-00002", 0.3);
  assert.equal(phase(c.store, "j-00002"), "Succeeded", "the running trial was kept and finished");
  assert.ok(c.store.trials.has("j-00003"), "the next trial follows the highest index");
  assert.ok(!c.store.trials.has("j-00001"), "the lost trial is not recreated under its old name");
  const status = c.store.jobs.get("j")?.status as { phase: string; trials: { succeeded: number } };
  assert.equal(status.phase, "Running");
  assert.equal(status.trials.succeeded, 2, "only trials that still exist are counted");
});

test("launching costs a create each and no status patch (no status means Pending); Events: one per slice on the job, none per success, one per failure", async () => {
  const c = fakeCluster();
  addJob(c.store, 4, 1, { parallelTrials: 3 });
  const r = c.reconciler();
  await r.reconcile("ns/j");
  assert.deepEqual([c.calls.trialCreates, c.calls.podCreates, c.calls.trialPatches, c.calls.jobPatches], [3, 3, 0, 1], "one job status: Running with 3 pending, no Pending one before it");
  assert.equal((c.store.jobs.get("j")?.status as { phase: string }).phase, "Running");
  assert.equal(c.store.trials.get("j-00000")?.status, undefined, "a pending Trial has no status");
  assert.deepEqual(c.calls.eventLog, [{ kind: "TuningJob", name: "j", type: "Normal", reason: "TrialsCreated", message: "created 3 trials: j-00000…j-00002" }]);
  assert.deepEqual((c.store.jobs.get("j")?.status as { trials: { pending: number } }).trials.pending, 3, "the job still counts them pending");

  // A restarted controller reads the missing status as Pending and writes nothing for it either.
  const second = c.reconciler();
  await second.reconcile("ns/j");
  assert.equal(c.calls.trialPatches, 0);
  assert.equal(second.trialState(addr("j-00001")), "running");

  await finishTrial(c, second, "j-00000", 0.5);
  assert.equal(phase(c.store, "j-00000"), "Succeeded");
  c.store.pods.get("j-00001")!.status = { phase: "Failed" };
  await second.reconcile("ns/j");
  assert.equal(phase(c.store, "j-00001"), "Failed");
  assert.deepEqual(c.calls.eventLog.slice(1).map((e) => [e.kind, e.name, e.type, e.reason, e.message.slice(0, 22)]), [
    ["TuningJob", "j", "Normal", "TrialsCreated", "created trial j-00003"],
    ["Trial", "j-00001", "Warning", "TrialFailed", "Pod failed"],
  ]);
});

const gauge = async (m: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string>): Promise<number | undefined> =>
  (await m.registry.getSingleMetric(name)?.get())?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;

test("after a restart, finished jobs are in the job gauges with their trial counts and best value; deleting one removes them", async () => {
  const c = fakeCluster();
  addJob(c.store, 2);
  const first = c.reconciler();
  await first.reconcile("ns/j");
  await finishTrial(c, first, "j-00000", 0.5);
  await finishTrial(c, first, "j-00001", 0.25);
  assert.equal((c.store.jobs.get("j")?.status as { phase: string }).phase, "Succeeded");
  const other = structuredClone(c.store.jobs.get("j")!);
  other.metadata = { ...other.metadata, name: "k", uid: "k-uid" };
  c.store.jobs.set("k", other);

  const metrics = createMetrics();
  const restarted = c.reconciler({ metrics });
  await restarted.reconcile("ns/j");
  await restarted.reconcile("ns/k");
  assert.equal(await gauge(metrics, "kubetune_tuningjobs", { phase: "Succeeded" }), 2, "both finished jobs count");
  assert.equal(await gauge(metrics, "kubetune_trials", { namespace: "ns", job: "j", phase: "succeeded" }), 2);
  assert.equal(await gauge(metrics, "kubetune_best_objective_value", { namespace: "ns", job: "j", metric: "loss" }), 0.25);

  c.store.jobs.delete("k");
  await restarted.reconcile("ns/k");
  assert.equal(await gauge(metrics, "kubetune_tuningjobs", { phase: "Succeeded" }), 1);
  assert.equal(await gauge(metrics, "kubetune_trials", { namespace: "ns", job: "k", phase: "succeeded" }), undefined);
  assert.equal(await gauge(metrics, "kubetune_best_objective_value", { namespace: "ns", job: "k", metric: "loss" }), undefined);
});

test("an InvalidSpec job re-applied with a fix runs, with a clean status; re-applied still invalid, it says so for the new generation", async () => {
  const c = fakeCluster();
  addJob(c.store, 1);
  const job = c.store.jobs.get("j")!;
  const template = { spec: { containers: [{ name: "t", image: "i", args: ["--x=${params.y}"] }] } };
  job.spec = { ...job.spec, trialTemplate: template };
  const r = c.reconciler();
  await r.reconcile("ns/j");
  const failed = job.status as { phase: string; reason: string; message: string; observedGeneration: number };
  assert.deepEqual([failed.phase, failed.reason, failed.observedGeneration], ["Failed", "InvalidSpec", 1]);
  assert.match(failed.message, /params\.y.*re-apply/);

  job.metadata = { ...job.metadata, generation: 2 };
  await r.reconcile("ns/j");
  assert.equal((job.status as { observedGeneration: number }).observedGeneration, 2, "the still-invalid generation is the one reported");
  assert.equal(c.store.trials.size, 0);

  addJob(c.store, 1, 3);
  await r.reconcile("ns/j");
  const s = c.store.jobs.get("j")?.status as Record<string, unknown>;
  assert.equal(s.phase, "Running", JSON.stringify(s));
  assert.equal(s.observedGeneration, 3);
  assert.equal(s.reason, undefined, "no stale InvalidSpec reason");
  assert.equal(s.message, undefined);
  assert.equal(s.completionTime, undefined);
  assert.deepEqual([...c.store.trials.keys()], ["j-00000"]);
  await finishTrial(c, r, "j-00000", 0.5);
  assert.equal((c.store.jobs.get("j")?.status as { phase: string }).phase, "Succeeded");
});

test("a Trial status the API server refuses (413) fails that trial with the reason, once; the job goes on", async () => {
  const c = fakeCluster();
  addJob(c.store, 2);
  let refusals = 0;
  const patch = c.api.patchTrialStatus;
  // Stands for a status over the API server's request limit: any status recording the metric "huge".
  c.api.patchTrialStatus = async (ns, name, status) => {
    if (status.metrics?.huge !== undefined) {
      refusals++;
      throw new ApiCallError(413, `patching trials/${name} status in ns failed (HTTP 413): Request entity too large: limit is 3145728`, "Request entity too large: limit is 3145728");
    }
    return patch(ns, name, status);
  };
  const r = c.reconciler();
  await r.reconcile("ns/j");
  c.store.pods.get("j-00000")!.status = { phase: "Running" };
  await r.reconcile("ns/j");
  r.report(addr("j-00000"), { trial: "j-00000", step: 1, metrics: { loss: 0.5, huge: 1 } });
  await r.persist(new Set(["ns/j"]));
  assert.equal(refusals, 1);
  const s = c.store.trials.get("j-00000")?.status as { phase?: string; reason?: string; metrics?: object };
  assert.equal(s.phase, "Failed");
  assert.equal(s.reason, "the API server refused the trial's status (HTTP 413): Request entity too large: limit is 3145728");
  assert.equal(s.metrics, undefined, "the refused content is not written again");
  assert.equal(c.store.pods.has("j-00000"), false, "the failed trial's Pod is deleted");
  assert.ok(c.calls.eventLog.some((e) => e.name === "j-00000" && e.reason === "TrialFailed" && /HTTP 413/.test(e.message)));
  // Not retried: later reconciles leave it, and the next trial starts.
  await r.reconcile("ns/j");
  await r.reconcile("ns/j");
  assert.equal(refusals, 1);
  assert.equal(r.trialState(addr("j-00000")), "finished");
  assert.ok(c.store.trials.has("j-00001"), "the job goes on with its next trial");
});

test("with a report key, each trial's key Secret is created before its Pod, owned by its Trial, and the Pod reads it", async () => {
  const c = fakeCluster();
  addJob(c.store, 1);
  const keyed: string[] = [];
  const r = c.reconciler({
    reportKey: (t) => {
      keyed.push(`${t.namespace}/${t.job}/${t.trial}/${t.uid}`);
      return `key-of-${t.uid}`;
    },
  });
  await r.reconcile("ns/j");
  const uid = c.store.trials.get("j-00000")?.metadata?.uid ?? "";
  assert.deepEqual(keyed, [`ns/j/j-00000/${uid}`], "the key is derived from the trial's address and its Trial's uid");
  const secretName = `j-00000-report-${uid.slice(0, 8)}`;
  assert.deepEqual(c.calls.creates, [`Secret ${secretName}`, "Pod j-00000"]);
  const secret = c.store.secrets.get(secretName) as unknown as { stringData: Record<string, string>; metadata: { ownerReferences: { kind: string; uid: string }[] } };
  assert.deepEqual(secret.stringData, { key: `key-of-${uid}` });
  assert.deepEqual(secret.metadata.ownerReferences.map((o) => [o.kind, o.uid]), [["Trial", uid]], "deleted with its Trial");
  const pod = c.store.pods.get("j-00000") as { spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[] }[] } };
  const env = pod.spec.containers[0]?.env.find((e) => e.name === "KUBETUNE_REPORT_KEY");
  assert.deepEqual(env, { name: "KUBETUNE_REPORT_KEY", valueFrom: { secretKeyRef: { name: secretName, key: "key" } } });
  assert.equal(r.trialUid(addr("j-00000")), uid, "ingest derives the same key from the same uid");
  assert.equal(r.trialUid(addr("j-00009")), undefined);
});

test("without a report key no Secret is created and the Pod has no KUBETUNE_REPORT_KEY", async () => {
  const c = fakeCluster();
  addJob(c.store, 1);
  await c.reconciler().reconcile("ns/j");
  assert.deepEqual(c.calls.creates, ["Pod j-00000"]);
  const pod = c.store.pods.get("j-00000") as { spec: { containers: { env: { name: string }[] }[] } };
  assert.ok(!pod.spec.containers[0]?.env.some((e) => e.name === "KUBETUNE_REPORT_KEY"));
});

test("a restarted controller takes no decision from stored curves, keeps a stop in progress, and records the stopped Pod's later reports", async () => {
  const c = fakeCluster();
  addJob(c.store, 5, 1, { parallelTrials: 3, earlyStopping: { algorithm: "median", settings: { minTrials: 1, startStep: 1, compare: "runningAverage" } } });
  const first = c.reconciler();
  await first.reconcile("ns/j");
  for (const name of ["j-00001", "j-00002"]) c.store.pods.get(name)!.status = { phase: "Running" };
  // j-00001 passes its checks at steps 1 and 2 while no trial has completed yet; then j-00000 completes.
  first.report(addr("j-00001"), { trial: "j-00001", step: 1, metrics: { loss: 5 } });
  first.report(addr("j-00001"), { trial: "j-00001", step: 2, metrics: { loss: 4 } });
  await finishTrial(c, first, "j-00000", 0.05);
  first.report(addr("j-00002"), { trial: "j-00002", step: 1, metrics: { loss: 100 } });
  await first.persist(new Set(["ns/j"]));
  const stopped = c.store.trials.get("j-00002")?.status as { phase: string; reason: string; conditions: { type: string; status: string }[] };
  assert.equal(stopped.phase, "EarlyStopped");
  assert.deepEqual(stopped.conditions.map((x) => [x.type, x.status]), [["Stopping", "True"]]);
  const stops = c.calls.events.filter((e) => e === "EarlyStopped").length;

  // A grace period long enough that the stopped trial's Pod is still there to report.
  const second = c.reconciler({ stopGraceMs: 60_000 });
  await second.reconcile("ns/j");
  assert.equal(phase(c.store, "j-00001"), "Running", "judged against j-00000 now, its stored steps would be cut: they are not judged again");
  assert.equal(c.calls.events.filter((e) => e === "EarlyStopped").length, stops, "no new stop from history");
  assert.equal(second.trialState(addr("j-00002")), "running", "a stop in progress: its Pod's reports are still taken");
  second.report(addr("j-00001"), { trial: "j-00001", step: 2, metrics: { loss: 4 } }, "replayed");
  second.report(addr("j-00002"), { trial: "j-00002", step: 2, metrics: { loss: 99 } });
  await second.persist(new Set(["ns/j"]));
  assert.equal(phase(c.store, "j-00001"), "Running", "a redelivered report is not judged either");
  const tail = c.store.trials.get("j-00002")?.status as { phase: string; reason: string; curve: { step: number }[]; lastStep: number };
  assert.deepEqual([tail.phase, tail.reason, tail.curve.map((p) => p.step), tail.lastStep], ["EarlyStopped", stopped.reason, [1, 2], 2]);
  c.store.pods.get("j-00002")!.status = { phase: "Succeeded" };
  await second.reconcile("ns/j");
  const done = c.store.trials.get("j-00002")?.status as { phase: string; reason: string; conditions: { type: string; status: string }[] };
  assert.deepEqual([done.phase, done.reason], ["EarlyStopped", stopped.reason]);
  assert.deepEqual(done.conditions.map((x) => [x.type, x.status]), [["Stopping", "False"]]);
  assert.equal((c.store.jobs.get("j")?.status as { trials: { earlyStopped: number } }).trials.earlyStopped, 1);
  assert.equal(c.calls.events.filter((e) => e === "EarlyStopped").length, stops, "one EarlyStopped Event for the one stop");
});

test("a stopped trial is settled only once its last reports are in: a report after its Pod exited still reaches its curve", async () => {
  const c = fakeCluster();
  let caughtUp = false;
  const r = c.reconciler({ channel: { stop: async () => {}, caughtUp: async () => caughtUp }, settleMs: 60_000 });
  addJob(c.store, 3, 1, { parallelTrials: 2, earlyStopping: { algorithm: "median", settings: { minTrials: 1, startStep: 1, compare: "runningAverage" } } });
  await r.reconcile("ns/j");
  c.store.pods.get("j-00001")!.status = { phase: "Running" };
  caughtUp = true;
  await finishTrial(c, r, "j-00000", 0.05);
  caughtUp = false;
  r.report(addr("j-00001"), { trial: "j-00001", step: 1, metrics: { loss: 100 } });
  c.store.pods.get("j-00001")!.status = { phase: "Succeeded" };
  await r.reconcile("ns/j");
  assert.equal(r.trialState(addr("j-00001")), "running", "its Pod exited, but a report may still be on its way");
  r.report(addr("j-00001"), { trial: "j-00001", step: 2, metrics: { loss: 90 } });
  caughtUp = true;
  await r.persist(new Set(["ns/j"]));
  await r.reconcile("ns/j");
  const s = c.store.trials.get("j-00001")?.status as { phase: string; curve: { step: number }[] };
  assert.deepEqual([s.phase, s.curve.map((p) => p.step)], ["EarlyStopped", [1, 2]]);
  assert.equal(r.trialState(addr("j-00001")), "finished");
});

test("ingest's port: a job not loaded yet is 'later', a finished one never loaded 'finished', no job 'unknown'; a running trial comes with its uid and metrics", async () => {
  const c = fakeCluster();
  const { reconcile, target } = createReconciler(c.deps());
  assert.deepEqual(target.admission(addr("j-00000")), { state: "unknown" }, "no such job");
  addJob(c.store, 2);
  assert.deepEqual(target.admission(addr("j-00000")), { state: "later" }, "its state is not rebuilt yet");
  await reconcile("ns/j");
  const uid = c.store.trials.get("j-00000")?.metadata?.uid;
  assert.deepEqual(target.admission(addr("j-00000")), { state: "running", uid, metrics: {} });
  target.apply(addr("j-00000"), { trial: "j-00000", step: 1, metrics: { loss: 0.5, acc: 0.9 } }, "live");
  assert.deepEqual(target.admission(addr("j-00000")), { state: "running", uid, metrics: { loss: 0.5, acc: 0.9 } });
  assert.deepEqual(target.admission(addr("j-00001")), { state: "unknown" }, "not launched");
  const other = fakeCluster();
  addJob(other.store, 1);
  const stored = other.store.jobs.get("j");
  if (stored) stored.status = { phase: "Succeeded" };
  assert.deepEqual(createReconciler(other.deps()).target.admission(addr("j-00000")), { state: "finished" }, "a finished job is never loaded again");
});

/** A real-looking Pod evicted by the kubelet for memory pressure. */
const evictedPod = {
  phase: "Failed",
  reason: "Evicted",
  message: "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. ",
  conditions: [{ type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet", message: "The node was low on resource: memory." }],
  containerStatuses: [{ name: "t", state: { terminated: { exitCode: 137, reason: "Error" } } }],
};

test("an evicted trial is retried with the same parameters: an Evicted Event with the kubelet's message, the retries metric, the curve kept", async () => {
  const c = fakeCluster();
  addJob(c.store, 2);
  const metrics = createMetrics();
  const r = c.reconciler({ metrics });
  await r.reconcile("ns/j");
  c.store.pods.get("j-00000")!.status = { phase: "Running" };
  await r.reconcile("ns/j");
  r.report(addr("j-00000"), { trial: "j-00000", step: 1, metrics: { loss: 0.8 } });
  await r.persist(new Set(["ns/j"]));
  c.store.pods.get("j-00000")!.status = structuredClone(evictedPod);
  await r.reconcile("ns/j");
  const a2 = c.store.pods.get("j-00000-a2") as { spec: { containers: { args: string[] }[] } } | undefined;
  assert.equal(a2?.spec.containers[0]?.args[0], (c.store.pods.get("j-00000") as { spec: { containers: { args: string[] }[] } }).spec.containers[0]?.args[0], "same parameters");
  const e = c.calls.eventLog.find((x) => x.reason === "Evicted");
  assert.equal(e?.type, "Warning");
  assert.match(e?.message ?? "", /^attempt 1 \(Pod j-00000\) ended: The node was low on resource: memory\..*retrying as attempt 2 of at most 3/);
  assert.match(await metrics.registry.metrics(), /kubetune_trial_retries_total\{reason="Evicted"\} 1/);
  await finishTrial(c, r, "j-00000", 0.5, "j-00000-a2");
  const status = c.store.trials.get("j-00000")?.status as { phase: string; curve: unknown; attempts: number };
  assert.equal(status.phase, "Succeeded");
  assert.equal(status.attempts, 2);
  assert.deepEqual(status.curve, [{ step: 1, value: 0.8 }, { step: 2, value: 0.5 }], "step 1 was the first attempt's; the new attempt's step 1 is not recorded again");
});

test("a user failure is not retried; an OOM kill beyond maxRetries fails the trial saying so", async () => {
  const c = fakeCluster();
  addJob(c.store, 3);
  (c.store.jobs.get("j")!.spec as { budget: Record<string, number> }).budget.maxRetries = 1;
  const r = c.reconciler();
  await r.reconcile("ns/j");
  c.store.pods.get("j-00000")!.status = { phase: "Failed", containerStatuses: [{ name: "t", state: { terminated: { exitCode: 1, reason: "Error" } } }] };
  await r.reconcile("ns/j");
  assert.equal(phase(c.store, "j-00000"), "Failed");
  assert.ok(!c.store.pods.has("j-00000-a2"));
  const oom = { phase: "Failed", containerStatuses: [{ name: "t", state: { terminated: { exitCode: 137, reason: "OOMKilled" } } }] };
  c.store.pods.get("j-00001")!.status = structuredClone(oom);
  await r.reconcile("ns/j");
  c.store.pods.get("j-00001-a2")!.status = structuredClone(oom);
  await r.reconcile("ns/j");
  const s1 = c.store.trials.get("j-00001")?.status as { phase: string; reason: string; attempts: number };
  assert.deepEqual([s1.phase, s1.attempts], ["Failed", 2]);
  assert.match(s1.reason, /^OOMKilled on attempt 2 of 2 \(OOMKilled, OOMKilled\); all 1 retries spent \(budget.maxRetries = 1\): container t was OOM-killed \(exit code 137\)/);
  assert.ok(!c.store.pods.has("j-00001-a3"));
});

test("a controller killed between an eviction and the new Pod retries exactly once, whether or not it wrote the retry", async () => {
  const c = fakeCluster();
  addJob(c.store, 2);
  const first = c.reconciler();
  await first.reconcile("ns/j");
  c.store.pods.get("j-00000")!.status = { phase: "Running" };
  await first.reconcile("ns/j");
  // Evicted while no controller runs: the stored Trial still says Running, attempt 1.
  c.store.pods.get("j-00000")!.status = structuredClone(evictedPod);
  const second = c.reconciler();
  await second.reconcile("ns/j");
  assert.equal((c.store.trials.get("j-00000")?.status as { attempts: number }).attempts, 2);
  assert.ok(c.store.pods.has("j-00000-a2"));
  // The retry was written but its Pod lost (killed before the create went out): the next controller creates it, once.
  c.store.pods.delete("j-00000-a2");
  const creates = c.calls.podCreates;
  const third = c.reconciler();
  await third.reconcile("ns/j");
  await third.reconcile("ns/j");
  assert.equal(c.calls.podCreates - creates, 1);
  assert.ok(c.store.pods.has("j-00000-a2"));
  assert.ok(!c.store.pods.has("j-00000-a3"));
  assert.equal((c.store.trials.get("j-00000")?.status as { attempts: number }).attempts, 2);
  assert.equal(c.calls.events.filter((e) => e === "Evicted").length, 1, "one retry, one Event");
});

/** A job named `name` in the fake store (keeping its status), with `spec` fields over a small TPE job. */
function putJob(store: ReturnType<typeof fakeCluster>["store"], name: string, generation: number, spec: Record<string, unknown>): void {
  store.jobs.set(name, {
    apiVersion: "kubetune.io/v1alpha1",
    kind: "TuningJob",
    metadata: { name, namespace: "ns", uid: `${name}-uid`, generation },
    spec: {
      objective: { metric: "loss", direction: "minimize" },
      parameters: [{ name: "x", type: "double", min: 0, max: 1 }],
      search: { algorithm: "tpe", seed: 1, settings: { startupTrials: 2 } },
      budget: { maxTrials: 3, parallelTrials: 1, maxFailedTrials: 2 },
      trialTemplate: { spec: { containers: [{ name: "t", image: "i", args: ["--x=${params.x}"] }] } },
      ...spec,
    },
    status: store.jobs.get(name)?.status,
  } as Obj);
}

/** Runs job `job`'s trial `name` to success with loss (x - 0.7)², as the pure tuner below is told it. */
async function succeed(c: ReturnType<typeof fakeCluster>, r: Reconciler, job: string, name: string): Promise<number> {
  const pod = c.store.pods.get(name);
  assert.ok(pod, `${name} has a Pod`);
  const x = (c.store.trials.get(name)?.spec as { params: { x: number } }).params.x;
  pod.status = { phase: "Running" };
  await r.reconcile(`ns/${job}`);
  r.report({ namespace: "ns", job, trial: name }, { trial: name, step: 1, metrics: { loss: (x - 0.7) ** 2 } });
  await r.persist(new Set([`ns/${job}`]));
  pod.status = { phase: "Succeeded" };
  await r.reconcile(`ns/${job}`);
  return x;
}

const jobStatus = (c: ReturnType<typeof fakeCluster>, name: string) => c.store.jobs.get(name)?.status as Record<string, unknown> & { phase?: string; warmStart?: { observations: WarmObservation[]; skipped: number; skippedReason?: string }; conditions?: { type: string; status: string; reason: string }[] };
const paramX = (c: ReturnType<typeof fakeCluster>, name: string) => (c.store.trials.get(name)?.spec as { params: { x: number } } | undefined)?.params.x;

test("warm start: the job waits for the named job to exist and finish, records what it took, and a restart rebuilds from the record after that job is deleted", async () => {
  const c = fakeCluster();
  putJob(c.store, "j", 1, { search: { algorithm: "tpe", seed: 1, settings: { startupTrials: 2 }, warmStart: { jobs: ["old"] } } });
  const r = c.reconciler();
  const waiting = await r.reconcile("ns/j");
  assert.equal(c.store.trials.size, 0);
  assert.ok(waiting.requeueAfterMs !== undefined, "it looks again later");
  assert.match(c.calls.eventLog.at(-1)?.message ?? "", /TuningJob "old" .* does not exist in namespace ns; waiting/);
  await r.reconcile("ns/j");
  assert.equal(c.calls.events.filter((e) => e === "WarmStartWaiting").length, 1, "a wait is told once per reason");

  putJob(c.store, "old", 1, { search: { algorithm: "random", seed: 4 } });
  await r.reconcile("ns/old");
  await r.reconcile("ns/j");
  assert.match(c.calls.eventLog.at(-1)?.message ?? "", /TuningJob "old" .* has not finished \(phase Running\)/);
  assert.equal(jobStatus(c, "j").conditions?.find((k) => k.type === "WarmStart")?.reason, "WaitingForJobs");
  for (const t of ["old-00000", "old-00001", "old-00002"]) await succeed(c, r, "old", t);
  assert.equal(jobStatus(c, "old").phase, "Succeeded");
  // One of old's trials no longer fits j's space: narrow j's x to exclude it.
  const oldX = ["old-00000", "old-00001", "old-00002"].map((t) => paramX(c, t) as number);
  const cut = [...oldX].sort((a, b) => a - b)[2] as number;
  putJob(c.store, "j", 1, { parameters: [{ name: "x", type: "double", min: 0, max: (cut + ([...oldX].sort((a, b) => a - b)[1] as number)) / 2 }], search: { algorithm: "tpe", seed: 1, settings: { startupTrials: 2 }, warmStart: { jobs: ["old"] } } });

  await r.reconcile("ns/j");
  const warm = jobStatus(c, "j").warmStart;
  assert.equal(warm?.observations.length, 2);
  assert.equal(warm?.skipped, 1);
  assert.match(warm?.skippedReason ?? "", /^old-0000\d: parameter "x" = [\d.]+ is above its max/);
  assert.deepEqual(c.calls.eventLog.filter((e) => e.reason.startsWith("WarmStart") && e.reason !== "WarmStartWaiting").map((e) => [e.type, e.reason]), [["Normal", "WarmStarted"], ["Warning", "WarmStartSkipped"]]);
  const spec = TuningJobSpec.parse(c.store.jobs.get("j")?.spec);
  const pure = createTuner({ job: "j", spec, warm: warm?.observations ?? [] });
  const [first] = await pure.next();
  assert.equal(first?.type === "launch" && first.trial.params.x, paramX(c, "j-00000"), "the first trial is the warm-started optimizer's suggestion");
  assert.notEqual(paramX(c, "j-00000"), (await createTuner({ job: "j", spec }).next()).flatMap((a) => (a.type === "launch" ? [a.trial.params.x] : []))[0], "and not a cold start's");

  // The earlier job and its trials are deleted; a new controller rebuilds j from its record.
  c.store.jobs.delete("old");
  for (const t of ["old-00000", "old-00001", "old-00002"]) c.store.trials.delete(t);
  const r2 = c.reconciler();
  await r2.reconcile("ns/j");
  const x0 = await succeed(c, r2, "j", "j-00000");
  pure.started("j-00000");
  pure.report("j-00000", 1, { loss: (x0 - 0.7) ** 2 });
  pure.exited("j-00000", { ok: true });
  const [second] = await pure.next();
  assert.equal(second?.type === "launch" && second.trial.params.x, paramX(c, "j-00001"), "the rebuilt search continues as the uninterrupted one");
});

test("raising maxTrials of a job that succeeded with MaxTrialsReached resumes it, numbering on; a restart mid-extension goes on to the new count", async () => {
  const c = fakeCluster();
  putJob(c.store, "j", 1, { budget: { maxTrials: 2, parallelTrials: 1, maxFailedTrials: 1 } });
  const r = c.reconciler();
  await r.reconcile("ns/j");
  for (const t of ["j-00000", "j-00001"]) await succeed(c, r, "j", t);
  assert.equal(jobStatus(c, "j").reason, "MaxTrialsReached");
  putJob(c.store, "j", 2, { budget: { maxTrials: 4, parallelTrials: 1, maxFailedTrials: 1 } });
  await r.reconcile("ns/j");
  const s = jobStatus(c, "j");
  assert.equal(s.phase, "Running");
  assert.equal(s.completionTime, undefined);
  assert.equal(s.reason, undefined);
  assert.equal(s.conditions?.find((k) => k.type === "Extended")?.reason, "MaxTrialsRaised");
  assert.match(c.calls.eventLog.find((e) => e.reason === "Resumed")?.message ?? "", /budget.maxTrials raised to 4: the job resumes after its 2 trials, from j-00002/);
  assert.deepEqual([...c.store.trials.keys()], ["j-00000", "j-00001", "j-00002"]);

  const r2 = c.reconciler();
  await r2.reconcile("ns/j");
  assert.equal(c.store.trials.size, 3, "the restarted controller creates nothing twice");
  for (const t of ["j-00002", "j-00003"]) await succeed(c, r2, "j", t);
  const done = jobStatus(c, "j");
  assert.deepEqual([done.phase, done.reason, done.progress], ["Succeeded", "MaxTrialsReached", "4/4"]);
  assert.equal(c.store.trials.size, 4);
});

test("other edits of a finished job are ignored with one Event saying why: a job that reached its goal, or maxTrials not above its trials", async () => {
  const c = fakeCluster();
  putJob(c.store, "j", 1, { objective: { metric: "loss", direction: "minimize", goal: 10 }, budget: { maxTrials: 3, parallelTrials: 1, maxFailedTrials: 1 } });
  const r = c.reconciler();
  await r.reconcile("ns/j");
  await succeed(c, r, "j", "j-00000");
  assert.equal(jobStatus(c, "j").reason, "GoalReached");
  putJob(c.store, "j", 2, { objective: { metric: "loss", direction: "minimize", goal: 10 }, budget: { maxTrials: 9, parallelTrials: 1, maxFailedTrials: 1 } });
  const fresh = c.reconciler();
  await fresh.reconcile("ns/j");
  await fresh.reconcile("ns/j");
  const ignored = c.calls.eventLog.filter((e) => e.reason === "EditIgnored");
  assert.equal(ignored.length, 1);
  assert.match(ignored[0]?.message ?? "", /the job ended Succeeded \(GoalReached\), and only a job that succeeded with MaxTrialsReached is extended/);
  assert.equal(c.store.trials.size, 1);
  assert.equal(jobStatus(c, "j").observedGeneration, 2);

  const d = fakeCluster();
  putJob(d.store, "j", 1, { budget: { maxTrials: 1, parallelTrials: 1, maxFailedTrials: 1 } });
  const rd = d.reconciler();
  await rd.reconcile("ns/j");
  await succeed(d, rd, "j", "j-00000");
  putJob(d.store, "j", 2, { budget: { maxTrials: 1, parallelTrials: 1, maxFailedTrials: 3 } });
  await rd.reconcile("ns/j");
  assert.match(d.calls.eventLog.find((e) => e.reason === "EditIgnored")?.message ?? "", /budget.maxTrials \(1\) is not above the 1 trials it has run/);
  assert.equal(jobStatus(d, "j").phase, "Succeeded");
});

test("two jobs warm-starting from each other wait, and the wait says it is a cycle", async () => {
  const c = fakeCluster();
  putJob(c.store, "a", 1, { search: { algorithm: "random", seed: 1, warmStart: { jobs: ["b"] } } });
  putJob(c.store, "b", 1, { search: { algorithm: "random", seed: 1, warmStart: { jobs: ["a"] } } });
  const r = c.reconciler();
  await r.reconcile("ns/a");
  await r.reconcile("ns/b");
  assert.equal(c.store.trials.size, 0);
  const waits = c.calls.eventLog.filter((e) => e.reason === "WarmStartWaiting").map((e) => [e.name, e.message]);
  assert.equal(waits.length, 2);
  for (const [, message] of waits) assert.match(message ?? "", /it warm-starts from this job in turn, so neither can start/);
});
