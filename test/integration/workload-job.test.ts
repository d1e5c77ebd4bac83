import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { BatchV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, irisJob, root, startTestController, until, type Started } from "./controller-harness.ts";
import { startJobController, type JobController } from "../cluster/job-controller.ts";

let cluster: TestCluster;
let ctl: Started | undefined;
let jobController: JobController | undefined;
const widgetCrd = join(root, "test/fixtures/widget-crd.yaml");

before(async () => {
  cluster = await withCluster({ namespacePrefix: "wl-job" });
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
  jobController = startJobController(cluster);
  // The Widget CRD is cluster-wide: a previous run's must be gone for "not installed" to hold.
  await cluster.kubectl(["delete", "-f", widgetCrd, "--ignore-not-found", "--wait=true"], { namespace: null });
});
after(async () => {
  await cluster?.kubectl(["delete", "-f", widgetCrd, "--ignore-not-found", "--wait=false"], { namespace: null });
  await jobController?.stop();
  await ctl?.controller.stop();
  await cluster?.cleanup();
});

const podTemplate = {
  spec: {
    restartPolicy: "Never",
    containers: [
      {
        name: "trainer",
        image: "kubetune/trainer:0.1.0",
        command: [join(root, "bin/kubetune-trainer")],
        args: ["--dataset=iris", "--model=mlp", "--epochs=3", "--layers=1", "--units=${params.units}", "--learningRate=${params.learningRate}", "--batchSize=16"],
      },
    ],
  },
};

test("a TuningJob over batch/v1 Job trials completes: each trial is a Job owned by its Trial, its Pod made by the Job controller", async () => {
  ctl = await startTestController(cluster);
  const api = clients(cluster);
  const manifest = irisJob("jobs", {
    budget: { maxTrials: 2, parallelTrials: 2, maxFailedTrials: 0 },
    trialTemplate: { resource: { apiVersion: "batch/v1", kind: "Job", spec: { backoffLimit: 0, template: podTemplate } } },
  });
  const applied = await cluster.kubectl(["apply", "-f", "-"], { input: manifest });
  assert.equal(applied.code, 0, applied.stderr);
  const job = await until("the job to finish", async () => {
    const j = await api.job("jobs");
    return j.status?.phase === "Succeeded" || j.status?.phase === "Failed" ? j : undefined;
  }, 150_000, async () => `${JSON.stringify((await api.job("jobs")).status)}\n${ctl?.logs.slice(-30).join("\n")}`);
  const status = job.status as { phase: string; reason: string; trials: { succeeded: number }; bestTrial?: { value: number } };
  assert.equal(status.phase, "Succeeded", JSON.stringify(status));
  assert.equal(status.trials.succeeded, 2);
  assert.ok(Number.isFinite(status.bestTrial?.value), "the objective came from the Jobs' Pods' reports");
  const batch = cluster.kc.makeApiClient(BatchV1Api);
  const jobs = (await batch.listNamespacedJob({ namespace: cluster.namespace })).items;
  const trials = await api.trials();
  assert.deepEqual(jobs.map((j) => j.metadata?.name).sort(), trials.map((t) => t.metadata?.name).sort(), "one Job per trial, named like it");
  for (const j of jobs) {
    const owner = j.metadata?.ownerReferences?.[0];
    assert.equal(owner?.kind, "Trial");
    assert.equal(owner?.uid, trials.find((t) => t.metadata?.name === j.metadata?.name)?.metadata?.uid);
    const env = j.spec?.template.spec?.containers[0]?.env ?? [];
    assert.equal(env.find((e) => e.name === "KUBETUNE_TRIAL")?.value, j.metadata?.name);
    assert.ok(env.some((e) => e.name === "KUBETUNE_REPORT_KEY"), "the report key reaches the Job's Pods");
  }
  const pods = await api.pods();
  assert.ok(pods.length >= 2 && pods.every((p) => p.metadata?.ownerReferences?.[0]?.kind === "Job"), "the Pods were made by the Job controller");
});

test("a job naming a kind that is not installed waits with a KindNotInstalled condition, and runs once the CRD appears", async () => {
  ctl ??= await startTestController(cluster);
  const api = clients(cluster);
  const manifest = irisJob("widgets", {
    budget: { maxTrials: 1, parallelTrials: 1, maxFailedTrials: 0 },
    trialTemplate: {
      resource: { apiVersion: "test.kubetune.io/v1", kind: "Widget", spec: { size: "${params.units}" } },
      successCondition: "has(object.status) && object.status.done",
      failureCondition: "has(object.status) && has(object.status.failed) && object.status.failed",
    },
  });
  assert.equal((await cluster.kubectl(["apply", "-f", "-"], { input: manifest })).code, 0);
  const refused = await until("the KindNotInstalled condition", async () => {
    const j = await api.job("widgets");
    return j.status?.reason === "KindNotInstalled" ? j : undefined;
  }, 30_000, async () => `${JSON.stringify((await api.job("widgets")).status)}\n${ctl?.logs.slice(-20).join("\n")}`);
  const conditions = (refused.status as { conditions: { type: string; status: string; message: string }[] }).conditions;
  const kind = conditions.find((c) => c.type === "TrialKind");
  assert.equal(kind?.status, "False");
  assert.match(kind?.message ?? "", /Widget \(test\.kubetune\.io\/v1\).*install the CRD/);
  assert.equal((refused.status as { phase: string }).phase, "Pending");
  const widgetTrials = async () => (await api.trials()).filter((t) => t.metadata?.labels?.["kubetune.io/job"] === "widgets");
  assert.equal((await widgetTrials()).length, 0, "no trial is created for a kind that is not there");
  assert.ok(ctl.logs.filter((l) => l.includes("reconcile failed")).length === 0, "a refusal, not a failing reconcile");

  const crd = await cluster.kubectl(["apply", "-f", widgetCrd], { namespace: null });
  assert.equal(crd.code, 0, crd.stderr);
  const custom = cluster.kc.makeApiClient(CustomObjectsApi);
  const widget = await until("the trial's Widget", async () => {
    // A CRD just created answers 404 or 429 ("storage is (re)initializing") for a moment.
    const list = (await custom.listNamespacedCustomObject({ group: "test.kubetune.io", version: "v1", namespace: cluster.namespace, plural: "widgets" }).catch(() => ({ items: [] }))) as { items: { metadata: { name: string }; spec: { size: string } }[] };
    return list.items[0];
  }, 90_000, async () => `${JSON.stringify((await api.job("widgets")).status)}\n${ctl?.logs.slice(-20).join("\n")}`);
  assert.match(widget.spec.size, /^\d+$/, "${params.units} was substituted");
  const running = await api.job("widgets");
  assert.equal((running.status as { conditions: { type: string; status: string }[] }).conditions.find((c) => c.type === "TrialKind")?.status, "True");
  assert.equal(running.status?.reason, undefined, "the refusal's reason is cleared");

  // The test plays the Widget's operator: it fails the trial through the status the failureCondition reads.
  const patched = await cluster.kubectl(["patch", "widget", widget.metadata.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { failed: true } })]);
  assert.equal(patched.code, 0, patched.stderr);
  const failed = await until("the trial to fail", async () => {
    const t = (await widgetTrials()).find((x) => x.metadata?.name === widget.metadata.name);
    return (t?.status as { phase?: string } | undefined)?.phase === "Failed" ? t : undefined;
  }, 60_000, async () => `${JSON.stringify((await api.trials()).map((t) => t.status))}\n${ctl?.logs.slice(-20).join("\n")}`);
  assert.match(String((failed.status as { reason: string }).reason), /Widget .* failed/);
});

test("a controller restarted while Job trials run picks them up: the job completes, no trial or Job is made twice", async () => {
  await ctl?.controller.stop();
  ctl = await startTestController(cluster);
  const api = clients(cluster);
  const slow = { ...podTemplate, spec: { ...podTemplate.spec, containers: [{ ...podTemplate.spec.containers[0], args: (podTemplate.spec.containers[0]?.args ?? []).map((a) => (a === "--epochs=3" ? "--epochs=25" : a)) }] } };
  const manifest = irisJob("restart", {
    budget: { maxTrials: 3, parallelTrials: 2, maxFailedTrials: 0 },
    trialTemplate: { resource: { apiVersion: "batch/v1", kind: "Job", spec: { backoffLimit: 0, template: slow } } },
  });
  assert.equal((await cluster.kubectl(["apply", "-f", "-"], { input: manifest })).code, 0);
  const ours = async () => (await api.trials()).filter((t) => t.metadata?.labels?.["kubetune.io/job"] === "restart");
  await until("two Job trials to run", async () => ((await ours()).filter((t) => (t.status as { phase?: string } | undefined)?.phase === "Running").length >= 2 ? true : undefined), 60_000);
  await ctl.controller.stop();
  ctl = await startTestController(cluster, [], "ctl-b");
  const job = await until("the job to finish after the restart", async () => {
    const j = await api.job("restart");
    return j.status?.phase === "Succeeded" || j.status?.phase === "Failed" ? j : undefined;
  }, 150_000, async () => `${JSON.stringify((await api.job("restart")).status)}\n${ctl?.logs.slice(-30).join("\n")}`);
  const status = job.status as { phase: string; trials: { succeeded: number }; trialsCreated: number };
  assert.equal(status.phase, "Succeeded", JSON.stringify(status));
  assert.equal(status.trials.succeeded, 3);
  assert.equal((await ours()).length, 3, "no trial created twice");
  const batch = cluster.kc.makeApiClient(BatchV1Api);
  const jobs = (await batch.listNamespacedJob({ namespace: cluster.namespace, labelSelector: "kubetune.io/job=restart" })).items;
  assert.equal(jobs.length, 3, "one Job per trial, none made twice");
});
