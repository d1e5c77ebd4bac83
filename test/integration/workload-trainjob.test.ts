import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, irisJob, root, startTestController, until, type Started } from "./controller-harness.ts";

let cluster: TestCluster;
let ctl: Started | undefined;
const trainJobCrd = join(root, "test/fixtures/trainjob-crd.yaml");
const children: ChildProcess[] = [];

before(async () => {
  cluster = await withCluster({ namespacePrefix: "wl-tj" });
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
  const crd = await cluster.kubectl(["apply", "-f", trainJobCrd], { namespace: null });
  assert.equal(crd.code, 0, crd.stderr);
  await cluster.kubectl(["wait", "--for=condition=Established", "crd/trainjobs.trainer.kubeflow.org", "--timeout=30s"], { namespace: null });
});
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await ctl?.controller.stop();
  await cluster?.kubectl(["delete", "-f", trainJobCrd, "--ignore-not-found", "--wait=false"], { namespace: null });
  await cluster?.cleanup();
});

interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }
interface TrainJob { metadata: { name: string }; spec: { trainer: { command: string[]; args: string[]; env: EnvVar[] } } }

/**
 * Plays the Trainer operator for the namespace's TrainJobs: runs each one's trainer as a local process
 * with its env (the report key read from its Secret) and, when it exits, sets the Complete or Failed
 * condition — except for a trial told to stop, whose status it leaves alone, so that the controller
 * has to delete the TrainJob after the stop grace period.
 */
function fakeOperator(): { stop(): void; started: Set<string> } {
  const custom = cluster.kc.makeApiClient(CustomObjectsApi);
  const api = clients(cluster);
  const started = new Set<string>();
  const envOf = async (vars: EnvVar[]): Promise<Record<string, string>> => {
    const env: Record<string, string> = { ...(process.env as Record<string, string>) };
    for (const v of vars) {
      if (v.value !== undefined) env[v.name] = v.value;
      const ref = v.valueFrom?.secretKeyRef;
      if (ref) {
        const secret = await api.core.readNamespacedSecret({ namespace: cluster.namespace, name: ref.name });
        env[v.name] = Buffer.from(secret.data?.[ref.key] ?? "", "base64").toString("utf8");
      }
    }
    return env;
  };
  const finish = async (name: string, code: number | null): Promise<void> => {
    await new Promise((r) => setTimeout(r, 1500));
    const trial = (await api.trials()).find((t) => t.metadata?.name === name);
    const stopping = ((trial?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === "Stopping" && c.status === "True");
    if (stopping) return;
    const type = code === 0 ? "Complete" : "Failed";
    await cluster.kubectl(["patch", "trainjob", name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { conditions: [{ type, status: "True", reason: type, message: `trainer exited with ${code}` }] } })]);
  };
  const tick = async (): Promise<void> => {
    const list = (await custom.listNamespacedCustomObject({ group: "trainer.kubeflow.org", version: "v1alpha1", namespace: cluster.namespace, plural: "trainjobs" }).catch(() => ({ items: [] }))) as { items: TrainJob[] };
    for (const tj of list.items) {
      if (started.has(tj.metadata.name)) continue;
      started.add(tj.metadata.name);
      const [file = "", ...rest] = tj.spec.trainer.command;
      const child = spawn(file, [...rest, ...tj.spec.trainer.args], { env: await envOf(tj.spec.trainer.env), stdio: "ignore" });
      children.push(child);
      child.on("exit", (code) => void finish(tj.metadata.name, code).catch(() => undefined));
    }
  };
  const timer = setInterval(() => void tick().catch(() => undefined), 300);
  return { stop: () => clearInterval(timer), started };
}

test("a TuningJob over CRD-only TrainJob trials completes; a trial stopped early whose TrainJob does not finish is deleted", async () => {
  ctl = await startTestController(cluster);
  const api = clients(cluster);
  const operator = fakeOperator();
  const EPOCHS = 30;
  const manifest = irisJob("tj", {
    parameters: [
      { name: "learningRate", type: "double", min: 0.00001, max: 0.3, scale: "log" },
      { name: "units", type: "int", min: 2, max: 32 },
    ],
    search: { algorithm: "random", seed: 11 },
    earlyStopping: { algorithm: "asha", settings: { minResource: 2, reductionFactor: 3, maxResource: EPOCHS } },
    budget: { maxTrials: 8, parallelTrials: 2, maxFailedTrials: 1 },
    trialTemplate: {
      resource: {
        apiVersion: "trainer.kubeflow.org/v1alpha1",
        kind: "TrainJob",
        spec: {
          runtimeRef: { name: "torch-distributed" },
          trainer: {
            command: [join(root, "bin/kubetune-trainer")],
            args: ["--dataset=iris", "--model=mlp", `--epochs=${EPOCHS}`, "--layers=1", "--units=${params.units}", "--learningRate=${params.learningRate}", "--batchSize=16"],
          },
        },
      },
    },
  }, EPOCHS);
  assert.equal((await cluster.kubectl(["apply", "-f", "-"], { input: manifest })).code, 0);
  try {
    const job = await until("the job to finish", async () => {
      const j = await api.job("tj");
      return j.status?.phase === "Succeeded" || j.status?.phase === "Failed" ? j : undefined;
    }, 240_000, async () => `${JSON.stringify((await api.job("tj")).status)}\n${ctl?.logs.slice(-30).join("\n")}`);
    const status = job.status as { phase: string; trials: { earlyStopped: number; succeeded: number; failed: number }; bestTrial?: { value: number } };
    assert.equal(status.phase, "Succeeded", JSON.stringify(status));
    assert.ok(status.trials.succeeded >= 1 && Number.isFinite(status.bestTrial?.value), JSON.stringify(status));
    assert.ok(status.trials.earlyStopped >= 1, `ASHA stopped some trials: ${JSON.stringify(status.trials)}`);
    const custom = cluster.kc.makeApiClient(CustomObjectsApi);
    const left = ((await custom.listNamespacedCustomObject({ group: "trainer.kubeflow.org", version: "v1alpha1", namespace: cluster.namespace, plural: "trainjobs" })) as { items: TrainJob[] }).items.map((t) => t.metadata.name);
    const trials = await api.trials();
    const stopped = trials.filter((t) => (t.status as { phase: string }).phase === "EarlyStopped").map((t) => t.metadata?.name ?? "");
    const deleted = stopped.filter((n) => !left.includes(n));
    assert.ok(deleted.length >= 1, `a stopped trial's TrainJob was deleted by the controller (stopped ${stopped.join(",")}; left ${left.join(",")})`);
    for (const t of trials.filter((x) => (x.status as { phase: string }).phase === "Succeeded")) assert.ok(left.includes(t.metadata?.name ?? ""), "a finished trial's TrainJob stays, like a finished Pod");
  } finally {
    operator.stop();
  }
});
