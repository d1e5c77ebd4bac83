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
