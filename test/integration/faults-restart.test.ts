// Fault injection: a controller killed mid-job (ASHA, median rule), a leader failover and a NATS
// restart. Each test measures, trial by trial, that every report the trial's process logged as
// acknowledged by JetStream is in its Trial's final curve, that no stored curve ever shrank, and that
// no decision stored before the fault was changed or taken back afterwards.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { podLogPath } from "../cluster/kubelet/kubelet.ts";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { startNatsServer, type NatsServer } from "../nats-server.ts";
import { clients, root, spawnTestController, until, type ChildController } from "./controller-harness.ts";

// Each test gets its own namespace, so one test's reports and controllers never meet another's.
const clusters: TestCluster[] = [];
const children: ChildController[] = [];
let nats: NatsServer | undefined;

/** A fresh namespace on the test cluster. */
async function namespace(): Promise<TestCluster> {
  const c = await withCluster({ namespacePrefix: "faults" });
  clusters.push(c);
  return c;
}

before(async () => {
  const c = await namespace();
  const r = await c.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill("SIGKILL");
  await nats?.stop();
  for (const c of clusters) await c.cleanup();
});

const STEPS = 24;
const MAX_TRIALS = 30;

/** A job of MAX_TRIALS trials running fault-trial.ts, 4 at a time. */
function faultJob(name: string, earlyStopping: Record<string, unknown>, seed: number): string {
  return stringify({
    apiVersion: "kubetune.io/v1alpha1",
    kind: "TuningJob",
    metadata: { name },
    spec: {
      objective: { metric: "loss", direction: "minimize" },
      parameters: [
        { name: "x", type: "double", min: 0, max: 1 },
        { name: "units", type: "int", min: 1, max: 1000 },
      ],
      search: { algorithm: "random", seed },
      earlyStopping,
      budget: { maxTrials: MAX_TRIALS, parallelTrials: 4, maxFailedTrials: 0 },
      trialTemplate: {
        spec: {
          restartPolicy: "Never",
          containers: [{ name: "trial", image: "kubetune/fault-trial", command: [process.execPath, join(root, "test/integration/fault-trial.ts")], args: [`--steps=${STEPS}`, "--interval-ms=100", "--steps-after-stop=2"] }],
        },
      },
    },
  });
}

const ASHA = { algorithm: "asha", settings: { minResource: 3, reductionFactor: 3, maxResource: STEPS } };
const MEDIAN = { algorithm: "median", settings: { minTrials: 3, startStep: 4 } };

interface TrialState {
  phase?: string;
  reason?: string;
  value?: number;
  lastStep?: number;
  curve?: { step: number; value: number }[];
}

type Api = ReturnType<typeof clients>;

/**
 * Retries a read the shared API server refuses for a moment (429 "storage is (re)initializing" while
 * another suite re-applies the CRDs), so only the controller's behaviour can fail a test.
 */
async function read<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Applies a manifest, retrying while the API server is briefly unavailable (see read). */
async function apply(cluster: TestCluster, manifest: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const r = await cluster.kubectl(["apply", "-f", "-"], { input: manifest });
    if (r.code === 0) return;
    if (attempt >= 20 || !/TooManyRequests|initializing|connection refused|timeout/i.test(r.stderr)) assert.fail(r.stderr);
    await new Promise((res) => setTimeout(res, 500));
  }
}

/** Trial statuses by name. */
async function statuses(api: Api): Promise<Map<string, TrialState>> {
  return new Map((await read(api.trials)).map((t) => [t.metadata?.name ?? "", (t.status ?? {}) as TrialState]));
}

/** Watches the namespace: each trial Pod's UIDs (to read its log after it is gone) and any Trial whose stored lastStep went down. */
function watch(api: Api) {
  const podUids = new Map<string, Set<string>>();
  const maxStep = new Map<string, number>();
  const shrank: string[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      for (const p of await read(api.pods)) {
        const name = p.metadata?.name ?? "";
        podUids.set(name, (podUids.get(name) ?? new Set()).add(p.metadata?.uid ?? ""));
      }
      for (const [name, s] of await statuses(api)) {
        const seen = maxStep.get(name);
        if (s.lastStep !== undefined && seen !== undefined && s.lastStep < seen && !shrank.some((x) => x.startsWith(`${name}:`))) shrank.push(`${name}: lastStep ${seen} → ${s.lastStep}`);
        if (s.lastStep !== undefined) maxStep.set(name, Math.max(seen ?? 0, s.lastStep));
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    podUids,
    shrank,
    stop: async () => {
      on = false;
      await loop;
    },
  };
}

/** The reports a trial's process logged as acknowledged: step → value. */
function ackedReports(cluster: TestCluster, trial: string, uid: string): Map<number, number> {
  const path = podLogPath(cluster.dir, cluster.namespace, trial, uid, "trial");
  const acked = new Map<number, number>();
  if (!existsSync(path)) return acked;
  for (const m of readFileSync(path, "utf8").matchAll(/^acked step=(\d+) value=(\S+)$/gm)) acked.set(Number(m[1]), Number(m[2]));
  return acked;
}

/** The step a stop reason names ("… at step 7 …", "… by step 7 …"), and the ASHA rung ("rung at step 3"). */
function stopStep(reason: string): { step?: number; rung?: number } {
  const step = /(?:at|by) step (\d+)/.exec(reason)?.[1];
  const rung = /rung at step (\d+)/.exec(reason)?.[1];
  return { ...(step ? { step: Number(step) } : {}), ...(rung ? { rung: Number(rung) } : {}) };
}

const finished = (s: TrialState | undefined) => s?.phase === "Succeeded" || s?.phase === "Failed" || s?.phase === "EarlyStopped";

/** Waits until some trials were stopped early and one is running past step 4 (past ASHA's first rung). */
async function midJob(api: Api, job: string, logs: () => string[]): Promise<void> {
  await until("stopped trials and one running past step 4", async () => {
    const all = [...(await statuses(api)).values()];
    const stopped = all.filter((s) => s.phase === "EarlyStopped").length;
    const running = all.filter((s) => s.phase === "Running" && (s.lastStep ?? 0) >= 4).length;
    const done = all.filter(finished).length;
    return stopped >= 2 && running >= 1 && done >= 4 && done < MAX_TRIALS - 4 ? true : undefined;
  }, 120_000, async () => `${job}: ${JSON.stringify((await read(() => api.job(job))).status)}\n${logs().slice(-20).join("\n")}`);
}

/** Waits for the job's end and for every trial Pod to be done, so the logs are complete. */
async function jobEnd(api: Api, job: string, logs: () => string[]) {
  const j = await until("the job to finish", async () => {
    const j = await read(() => api.job(job));
    return j.status?.phase === "Succeeded" || j.status?.phase === "Failed" ? j : undefined;
  }, 180_000, async () => `${JSON.stringify((await read(() => api.job(job))).status)}\n${logs().slice(-30).join("\n")}`);
  await until("every trial Pod to finish", async () => ((await read(api.pods)).every((p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed") ? true : undefined), 60_000);
  return j;
}

/**
 * The measurements every fault test makes, against the Trial statuses stored when the fault hit: each
 * acknowledged report is in its Trial's curve with its value; a stop stored before stays, with the same
 * reason; a trial stored as running past step L is not stopped at a step (or ASHA rung) ≤ L; stored
 * results stay; no curve shrank; MAX_TRIALS trials, each with one Pod.
 */
async function verify(cluster: TestCluster, atFault: Map<string, TrialState>, w: ReturnType<typeof watch>, label: string): Promise<void> {
  const final = await statuses(clients(cluster));
  const problems: string[] = [...w.shrank];
  let ackedTotal = 0;
  let tail = 0;
  assert.equal(final.size, MAX_TRIALS, `${label}: ${MAX_TRIALS} trials, none created twice`);
  for (const [name, s] of final) {
    const uids = w.podUids.get(name) ?? new Set<string>();
    if (uids.size !== 1) problems.push(`${name}: ${uids.size} Pods`);
    const curve = new Map((s.curve ?? []).map((p) => [p.step, p.value]));
    const stoppedAt = s.phase === "EarlyStopped" ? stopStep(s.reason ?? "").step : undefined;
    for (const uid of uids) {
      for (const [step, value] of ackedReports(cluster, name, uid)) {
        ackedTotal++;
        if (stoppedAt !== undefined && step > stoppedAt) tail++;
        if (curve.get(step) !== value) problems.push(`${name}: acknowledged step ${step} (${value}) is ${curve.has(step) ? `${curve.get(step)} in the curve` : "missing from the curve"} (curve steps ${[...curve.keys()].join(",")})`);
      }
    }
    const before = atFault.get(name);
    if (!before) continue;
    if (finished(before)) {
      if (s.phase !== before.phase || s.reason !== before.reason) problems.push(`${name}: stored as ${before.phase} (${before.reason ?? ""}) before the fault, ${s.phase} (${s.reason ?? ""}) after`);
      if (before.phase !== "EarlyStopped" && s.value !== before.value) problems.push(`${name}: value ${before.value} before the fault, ${s.value} after`);
    } else if (s.phase === "EarlyStopped" && before.lastStep !== undefined) {
      const { step, rung } = stopStep(s.reason ?? "");
      if (step === undefined || step <= before.lastStep || (rung !== undefined && rung <= before.lastStep)) problems.push(`${name}: ran past step ${before.lastStep} before the fault, then was stopped: ${s.reason}`);
    }
  }
  // The story of each trial with a problem, for the failure message.
  const story = [...new Set(problems.map((p) => p.split(":")[0] ?? ""))].map((name) => {
    const [b, a] = [atFault.get(name), final.get(name)];
    return `${name}: at the fault ${b?.phase ?? "not created"} lastStep ${b?.lastStep}; at the end ${a?.phase} lastStep ${a?.lastStep} (${a?.reason ?? ""})`;
  });
  assert.deepEqual(problems, [], `${label}: ${problems.length} problems (${ackedTotal} acknowledged reports checked)\n${story.join("\n")}`);
  assert.ok(ackedTotal > MAX_TRIALS * 3, `${label}: the trials logged their acknowledged reports (${ackedTotal})`);
  // Measured, for the record: how many reports came after a trial's stop decision.
  process.stdout.write(`# ${label}: ${ackedTotal} acknowledged reports, all in their curves; ${tail} after a stop decision\n`);
}

/** Kills one controller mid-job (SIGKILL), lets `successor` finish it, and verifies. */
async function killMidJob(job: string, earlyStopping: Record<string, unknown>, seed: number, standby: boolean): Promise<void> {
  const cluster = await namespace();
  const api = clients(cluster);
  const first = spawnTestController(cluster, `${job}-a`);
  children.push(first);
  await until("the first controller to lead", async () => (first.logs.some((l) => l.includes("became the leader")) ? true : undefined), 30_000);
  const second = standby ? spawnTestController(cluster, `${job}-b`) : undefined;
  if (second) children.push(second);
  await apply(cluster, faultJob(job, earlyStopping, seed));
  const w = watch(api);
  await midJob(api, job, () => first.logs);
  first.child.kill("SIGKILL");
  await first.exited;
  const atFault = await statuses(api);
  const next = second ?? spawnTestController(cluster, `${job}-b`);
  if (!second) children.push(next);
  const j = await jobEnd(api, job, () => next.logs);
  await w.stop();
  assert.equal(j.status?.phase, "Succeeded", JSON.stringify(j.status));
  assert.ok(next.logs.some((l) => l.includes("became the leader")), "the second controller took over");
  await verify(cluster, atFault, w, job);
  next.child.kill("SIGTERM");
  await next.exited;
}

test("kill -9 of the controller mid-job with ASHA: every acknowledged report is kept, no stored decision changes", async () => {
  await killMidJob("kill-asha", ASHA, 5, false);
});

test("kill -9 of the controller mid-job with the median rule: every acknowledged report is kept, no stored decision changes", async () => {
  await killMidJob("kill-median", MEDIAN, 8, false);
});

test("leader failover (the leader killed, the standby takes the lease) with the median rule: nothing lost, no decision changes", async () => {
  await killMidJob("failover", MEDIAN, 13, true);
});

test("a NATS server restart mid-job with ASHA: every acknowledged report is kept, no stored decision changes", async () => {
  const cluster = await namespace();
  nats = await startNatsServer();
  const api = clients(cluster);
  const ctl = spawnTestController(cluster, "nats-a", [`--nats-url=${nats.url}`]);
  children.push(ctl);
  await apply(cluster, faultJob("nats-restart", ASHA, 21));
  const w = watch(api);
  await midJob(api, "nats-restart", () => ctl.logs);
  const { port, store } = nats;
  await nats.stop();
  const atFault = await statuses(api);
  await new Promise((r) => setTimeout(r, 1500));
  nats = await startNatsServer({ port, store });
  const j = await jobEnd(api, "nats-restart", () => ctl.logs);
  await w.stop();
  assert.equal(j.status?.phase, "Succeeded", JSON.stringify(j.status));
  assert.ok(ctl.logs.some((l) => l.includes("NATS connection restored")), "the controller reconnected");
  await verify(cluster, atFault, w, "nats-restart");
  ctl.child.kill("SIGTERM");
  await ctl.exited;
});
