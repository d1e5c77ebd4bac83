import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, irisJob, root, startTestController, until, type Started } from "./controller-harness.ts";

let cluster: TestCluster;
let ctl: Started | undefined;

before(async () => {
  cluster = await withCluster({ namespacePrefix: "ctl-bad" });
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await ctl?.controller.stop();
  await cluster?.cleanup();
});

test("a job whose Pod template the API server refuses ends Failed with the API server's message", async () => {
  ctl = await startTestController(cluster);
  const api = clients(cluster);
  const manifest = irisJob("badpod", {
    trialTemplate: {
      spec: {
        restartPolicy: "Never",
        containers: [{ name: "trainer", image: "kubetune/trainer:0.1.0", command: ["kubetune-trainer"], resources: { limits: { cpu: "lots" } } }],
      },
    },
  });
  const applied = await cluster.kubectl(["apply", "-f", "-"], { input: manifest });
  assert.equal(applied.code, 0, `the CRD accepts the template (the API server only refuses the Pod): ${applied.stderr}`);
  const job = await until("the job to fail", async () => {
    const j = await api.job("badpod");
    return j.status?.phase === "Failed" ? j : undefined;
  }, 60_000, async () => `${JSON.stringify((await api.job("badpod")).status)}\n${ctl?.logs.slice(-20).join("\n")}`);
  const status = job.status as { reason: string; message: string; conditions: { type: string; status: string; message?: string }[] };
  assert.equal(status.reason, "InvalidTrialTemplate");
  // Both trials' Pods are created at once, so either refusal may be the one reported.
  assert.match(status.message, /the API server refused the Pod of trial badpod-0000[01]/);
  assert.match(status.message, /quantities must match the regular expression/, "carries the API server's own message");
  assert.equal(status.conditions.find((c) => c.type === "Failed")?.status, "True");
  assert.equal((await api.pods()).length, 0, "no Pod was created");
  const trials = await api.trials();
  assert.ok(trials.every((t) => ["Failed", "EarlyStopped"].includes((t.status as { phase: string }).phase)), "no trial is left pending");
  // The job stays failed: no new trials are launched afterwards.
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await api.trials()).length, trials.length);
});

test("an InvalidSpec job re-applied with the fix runs to the end", async () => {
  ctl ??= await startTestController(cluster);
  const api = clients(cluster);
  const budget = { maxTrials: 1, parallelTrials: 1, maxFailedTrials: 0 };
  const template = (args: string[]) => ({ spec: { restartPolicy: "Never", containers: [{ name: "trainer", image: "kubetune/trainer:0.1.0", command: [join(root, "bin/kubetune-trainer")], args }] } });
  const good = ["--dataset=iris", "--model=mlp", "--epochs=2", "--layers=1", "--units=${params.units}", "--learningRate=${params.learningRate}", "--batchSize=16"];
  // The API server cannot check ${params.x} references (beyond a CRD's CEL budget); the controller does.
  const bad = irisJob("fixme", { budget, trialTemplate: template([...good, "--momentum=${params.momentum}"]) });
  assert.equal((await cluster.kubectl(["apply", "-f", "-"], { input: bad })).code, 0);
  const failed = await until("the job to be refused as InvalidSpec", async () => {
    const j = await api.job("fixme");
    return j.status?.reason === "InvalidSpec" ? j : undefined;
  }, 60_000);
  assert.match(String(failed.status?.message), /params\.momentum.*fix the manifest \(kubetune validate\) and re-apply/);

  const fixed = await cluster.kubectl(["apply", "-f", "-"], { input: irisJob("fixme", { budget, trialTemplate: template(good) }) });
  assert.equal(fixed.code, 0, fixed.stderr);
  const done = await until("the fixed job to succeed", async () => {
    const j = await api.job("fixme");
    return j.status?.phase === "Succeeded" ? j : undefined;
  }, 120_000, async () => `${JSON.stringify((await api.job("fixme")).status)}\n${ctl?.logs.slice(-20).join("\n")}`);
  const s = done.status as { observedGeneration: number; reason: string; trials: { succeeded: number } };
  assert.equal(s.observedGeneration, done.metadata?.generation);
  assert.equal(s.reason, "MaxTrialsReached");
  assert.equal(s.trials.succeeded, 1);
});
