// Infrastructure failures on the test cluster: trials whose Pods a process kubelet of this test (run from
// this working tree, so its simulate.ts hook is the one under test) OOM-kills or evicts the way a real
// kubelet reports them. They are retried as <trial>-a<n> and do not count as failed; user failures are
// not retried; a trial OOM-killed more than maxRetries times fails saying so; a controller killed while
// a retry is due retries exactly once.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { openSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { V1Pod } from "@kubernetes/client-node";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, root, scrape, spawnTestController, startTestController, until, type ChildController, type Started } from "./controller-harness.ts";

let cluster: TestCluster;
let api: ReturnType<typeof clients>;
let node: string;
let kubelet: ChildProcess | undefined;
let ctl: Started | undefined;
// Synthetic trials publish unsigned reports.
const CONTROLLER_FLAGS = ["--verify-reports=false"];

function startKubelet(): void {
  const log = openSync(join(cluster.dir, "logs", `kubelet-${node}.log`), "a");
  kubelet = spawn(process.execPath, [join(root, "test/cluster/kubelet/main.ts")], {
    env: { ...process.env, KUBECONFIG: join(cluster.dir, "kubelet.kubeconfig"), KUBETUNE_NODE_NAME: node, KUBETUNE_KUBELET_DIR: cluster.dir, KUBETUNE_KUBELET_BIND: "false" },
    stdio: ["ignore", log, log],
  });
}

/** A TuningJob of synthetic trials (steps 0..steps-1, `intervalMs` apart) on this test's kubelet. */
function job(name: string, budget: Record<string, number>, trial: { steps: number; intervalMs: number; exitCode?: number }): string {
  return stringify({
    apiVersion: "kubetune.io/v1alpha1",
    kind: "TuningJob",
    metadata: { name },
    spec: {
      objective: { metric: "loss", direction: "minimize" },
      parameters: [{ name: "x", type: "double", min: 0, max: 1 }],
      search: { algorithm: "random", seed: 5 },
      budget: { maxTrials: 1, parallelTrials: 1, maxFailedTrials: 0, ...budget },
      trialTemplate: {
        spec: {
          nodeName: node,
          restartPolicy: "Never",
          terminationGracePeriodSeconds: 2,
          containers: [{ name: "trainer", image: "kubetune/synthetic", args: [`--steps=${trial.steps}`, `--interval-ms=${trial.intervalMs}`, `--exit-code=${trial.exitCode ?? 0}`] }],
        },
      },
    },
  });
}

type Obj = Awaited<ReturnType<typeof api.job>>;
const status = (o: Obj | undefined) => (o?.status ?? {}) as Record<string, unknown> & { phase?: string; reason?: string; message?: string; attempts?: number; lastStep?: number; podName?: string; retries?: { attempt: number; reason: string; message: string; lastStep?: number }[]; curve?: { step: number }[] };
const trialOf = async (name: string) => (await api.trials()).find((t) => t.metadata?.name === name);
const podOf = async (name: string): Promise<V1Pod | undefined> => (await api.pods()).find((p) => p.metadata?.name === name);

async function apply(yaml: string): Promise<void> {
  const r = await cluster.kubectl(["apply", "-f", "-"], { input: yaml });
  assert.equal(r.code, 0, r.stderr);
}

async function describe(jobName: string): Promise<string> {
  const trials = (await api.trials()).map((t) => `${t.metadata?.name} ${JSON.stringify(t.status)}`);
  const pods = (await api.pods()).map((p) => `${p.metadata?.name} ${p.status?.phase} ${p.status?.reason ?? ""}`);
  return `job ${JSON.stringify(status(await api.job(jobName).catch(() => undefined)))}\n${trials.join("\n")}\n${pods.join("\n")}\n${ctl?.logs.slice(-20).join("\n") ?? ""}`;
}

/** Waits until the trial's current attempt runs in Pod `pod` and has reported at least `step`. */
async function runningAt(jobName: string, trial: string, pod: string, step: number): Promise<void> {
  await until(`${pod} running with step ${step} reported`, async () => {
    const p = await podOf(pod);
    return p?.status?.phase === "Running" && (status(await trialOf(trial)).lastStep ?? -1) >= step ? true : undefined;
  }, 60_000, () => describe(jobName));
}

/** Has this test's kubelet fake `what` on a running Pod. */
async function simulate(pod: string, what: "oom" | "evict"): Promise<void> {
  const r = await cluster.kubectl(["annotate", "pod", pod, `kubetune.test/simulate=${what}`]);
  assert.equal(r.code, 0, r.stderr);
}

async function simulateOn(jobName: string, trial: string, pod: string, step: number, what: "oom" | "evict"): Promise<void> {
  await runningAt(jobName, trial, pod, step);
  await simulate(pod, what);
}

async function finished(jobName: string, timeoutMs = 90_000): Promise<ReturnType<typeof status>> {
  return until(`${jobName} finished`, async () => {
    const s = status(await api.job(jobName));
    return s.phase === "Succeeded" || s.phase === "Failed" ? s : undefined;
  }, timeoutMs, () => describe(jobName));
}

before(async () => {
  cluster = await withCluster({ namespacePrefix: "retries" });
  api = clients(cluster);
  // This tree's CRDs: budget.maxRetries and the Trial's attempts and retries are new fields.
  const crds = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(crds.code, 0, crds.stderr);
  node = `${cluster.namespace}-node`;
  startKubelet();
  await until(`node ${node} Ready`, async () => {
    const n = await api.core.readNode({ name: node }).catch(() => undefined);
    return n?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? true : undefined;
  }, 60_000);
  ctl = await startTestController(cluster, CONTROLLER_FLAGS);
});

after(async () => {
  await ctl?.controller.stop();
  // Pods are deleted while their kubelet still runs, or they would stay Terminating.
  await cluster.kubectl(["delete", "tuningjobs,pods", "--all", "--wait=true", "--timeout=60s"]);
  if (kubelet && kubelet.exitCode === null) {
    const exited = once(kubelet, "exit");
    kubelet.kill("SIGTERM");
    await exited;
  }
  await api.core.deleteNode({ name: node }).catch(() => undefined);
  await cluster.cleanup();
});

test("an evicted trial and an OOM-killed one are retried with the same parameters and do not count as failed", async () => {
  const STEPS = 20;
  await apply(job("infra", { maxTrials: 2, parallelTrials: 2 }, { steps: STEPS, intervalMs: 400 }));
  await simulateOn("infra", "infra-00000", "infra-00000", 2, "evict");
  await simulateOn("infra", "infra-00001", "infra-00001", 2, "oom");
  const s = await finished("infra");
  assert.equal(s.phase, "Succeeded", await describe("infra"));
  assert.deepEqual(s.trials, { pending: 0, running: 0, succeeded: 2, failed: 0, earlyStopped: 0 });
  assert.equal(s.retries, 2);
  for (const [name, reason, message] of [["infra-00000", "Evicted", /^The node was low on resource: memory\./], ["infra-00001", "OOMKilled", /^container trainer was OOM-killed \(exit code 137\)/]] as const) {
    const t = status(await trialOf(name));
    assert.equal(t.phase, "Succeeded", name);
    assert.deepEqual([t.attempts, t.podName, t.retries?.map((r) => [r.attempt, r.reason])], [2, `${name}-a2`, [[1, reason]]], name);
    assert.match(t.retries?.[0]?.message ?? "", message);
    assert.ok((t.retries?.[0]?.lastStep ?? -1) >= 2, `${name}: the failed attempt's last step is kept`);
    const steps = (t.curve ?? []).map((p) => p.step);
    assert.deepEqual(steps, [...Array(STEPS).keys()], `${name}: one curve, every step once`);
    const first = await podOf(name);
    const second = await podOf(`${name}-a2`);
    assert.equal(first?.status?.phase, "Failed");
    assert.equal(second?.status?.phase, "Succeeded");
    assert.deepEqual(second?.spec?.containers[0]?.env?.find((e) => e.name === "KUBETUNE_PARAMS"), first?.spec?.containers[0]?.env?.find((e) => e.name === "KUBETUNE_PARAMS"), "same parameters");
    const events = (await api.events()).filter((e) => e.involvedObject.name === name && e.reason === reason);
    assert.equal(events.length, 1, `${name}: one ${reason} Event`);
    assert.equal(events[0]?.type, "Warning");
    assert.match(events[0]?.message ?? "", new RegExp(`^attempt 1 \\(Pod ${name}\\) ended: .*retrying as attempt 2`));
  }
  const evicted = await podOf("infra-00000");
  assert.equal(evicted?.status?.reason, "Evicted", "the kubelet reported the eviction as a kubelet does");
  assert.equal((await podOf("infra-00001"))?.status?.containerStatuses?.[0]?.state?.terminated?.reason, "OOMKilled");
  const metrics = await scrape(ctl!.controller);
  assert.match(metrics, /kubetune_trial_retries_total\{reason="Evicted"\} 1/);
  assert.match(metrics, /kubetune_trial_retries_total\{reason="OOMKilled"\} 1/);
  const table = await cluster.kubectl(["get", "tr", "infra-00000"]);
  assert.match(table.stdout, /ATTEMPTS/);
  assert.match(table.stdout.split("\n")[1] ?? "", new RegExp(`Succeeded\\s+\\S+\\s+${STEPS - 1}\\s+2\\s`));
});

test("a trial OOM-killed more than maxRetries times fails with the reason; a user failure is not retried", async () => {
  await apply(job("oom", { maxRetries: 1 }, { steps: 40, intervalMs: 300 }));
  await simulateOn("oom", "oom-00000", "oom-00000", 1, "oom");
  await simulateOn("oom", "oom-00000", "oom-00000-a2", 1, "oom");
  const s = await finished("oom");
  assert.deepEqual([s.phase, s.reason], ["Failed", "MaxFailedTrialsExceeded"]);
  const t = status(await trialOf("oom-00000"));
  assert.equal(t.phase, "Failed");
  assert.match(t.reason ?? "", /^OOMKilled on attempt 2 of 2 \(OOMKilled, OOMKilled\); all 1 retries spent \(budget.maxRetries = 1\): container trainer was OOM-killed \(exit code 137\)/);
  assert.equal(await podOf("oom-00000-a3"), undefined);

  await apply(job("user", {}, { steps: 2, intervalMs: 50, exitCode: 3 }));
  const u = await finished("user");
  assert.equal(u.phase, "Failed");
  const ut = status(await trialOf("user-00000"));
  assert.match(ut.reason ?? "", /exited with code 3/);
  assert.equal(ut.attempts, 1);
  assert.equal(ut.retries, undefined);
  assert.equal(await podOf("user-00000-a2"), undefined, "a user failure is not retried");
});

test("a controller killed while a retry is due retries exactly once", async () => {
  await ctl?.controller.stop();
  ctl = undefined;
  let first: ChildController | undefined = spawnTestController(cluster, "ctl-first", CONTROLLER_FLAGS);
  let second: ChildController | undefined;
  try {
    await apply(job("restart", {}, { steps: 30, intervalMs: 300 }));
    await runningAt("restart", "restart-00000", "restart-00000", 2).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${first?.logs.slice(-20).join("\n")}`);
    });
    // The controller dies first, so the eviction lands while none runs: its successor finds the
    // evicted Pod and a Trial whose status still says attempt 1.
    first.child.kill("SIGKILL");
    await first.exited;
    first = undefined;
    await simulate("restart-00000", "evict");
    await until("the eviction reported", async () => ((await podOf("restart-00000"))?.status?.reason === "Evicted" ? true : undefined), 30_000);
    second = spawnTestController(cluster, "ctl-second", CONTROLLER_FLAGS);
    const s = await finished("restart", 120_000);
    assert.equal(s.phase, "Succeeded", await describe("restart"));
    const t = status(await trialOf("restart-00000"));
    assert.deepEqual([t.attempts, t.retries?.length], [2, 1]);
    const pods = (await api.pods()).map((p) => p.metadata?.name).filter((n) => n?.startsWith("restart-"));
    assert.deepEqual(pods.sort(), ["restart-00000", "restart-00000-a2"], "one new Pod");
    const events = (await api.events()).filter((e) => e.involvedObject.name === "restart-00000" && e.reason === "Evicted");
    assert.equal(events.length, 1, "one retry");
  } finally {
    for (const c of [first, second]) {
      if (c && c.child.exitCode === null) {
        c.child.kill("SIGTERM");
        await c.exited;
      }
    }
  }
});
