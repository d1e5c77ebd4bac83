import { test } from "node:test";
import assert from "node:assert/strict";
import { TuningJob } from "../api/tuningjob.ts";
import { isResourceTemplate } from "../api/template.ts";
import type { TrialView } from "../engine/job.ts";
import { JOB_LABEL, TRIAL_LABEL } from "./objects.ts";
import { trialResource } from "./trial-resource.ts";

const jobWith = (resource: unknown) => {
  const parsed = TuningJob.parse({
    apiVersion: "kubetune.io/v1alpha1",
    kind: "TuningJob",
    metadata: { name: "iris", namespace: "team" },
    spec: {
      objective: { metric: "val_loss", direction: "minimize" },
      parameters: [{ name: "lr", type: "double", min: 0.001, max: 0.1 }],
      search: { algorithm: "random" },
      budget: { maxTrials: 4 },
      trialTemplate: { resource },
    },
  });
  const t = parsed.spec.trialTemplate;
  if (!isResourceTemplate(t)) throw new Error("expected a resource template");
  return { job: { ...parsed, metadata: { name: "iris", namespace: "team", uid: "job-uid" } }, template: t };
};
const view: TrialView = { name: "iris-00001", index: 1, params: { lr: 0.01 }, phase: "Pending", curve: [], metrics: {} };
const trial = { name: "iris-00001", namespace: "team", uid: "trial-uid" };
const pod = (args: string[]) => ({ spec: { containers: [{ name: "t", image: "x", args, env: [{ name: "KUBETUNE_TRIAL", value: "spoofed" }, { name: "KEEP", value: "1" }] }] } });
type Obj = Record<string, any>;

/** The env names and the KUBETUNE_TRIAL value a container ends up with. */
function envOf(c: Obj): { names: string[]; trial: string | undefined } {
  const env = c.env as { name: string; value?: string }[];
  return { names: env.map((e) => e.name), trial: env.find((e) => e.name === "KUBETUNE_TRIAL")?.value };
}

test("a Job trial: named and owned like the trial, params substituted, its Pod template labelled and given the KUBETUNE_* env and report key", () => {
  const { job, template } = jobWith({ apiVersion: "batch/v1", kind: "Job", metadata: { labels: { team: "ml" } }, spec: { backoffLimit: 0, template: pod(["--lr=${params.lr}"]) } });
  const o = trialResource(job, template, trial, view, "nats://n:4222", { image: "default" }, "iris-00001-report-trial-ui") as Obj;
  assert.equal(o.kind, "Job");
  assert.deepEqual(o.metadata.labels, { team: "ml", [JOB_LABEL]: "iris", [TRIAL_LABEL]: "iris-00001" });
  assert.equal(o.metadata.name, "iris-00001");
  assert.equal(o.metadata.namespace, "team");
  assert.equal(o.metadata.ownerReferences[0].uid, "trial-uid");
  assert.equal(o.metadata.ownerReferences[0].kind, "Trial");
  const podTemplate = o.spec.template;
  assert.equal(podTemplate.metadata.labels[TRIAL_LABEL], "iris-00001");
  assert.equal(podTemplate.metadata.labels[JOB_LABEL], undefined, "the Pod informer (which selects the job label) need not see a Job's Pods");
  assert.equal(podTemplate.spec.restartPolicy, "Never");
  const c = podTemplate.spec.containers[0];
  assert.deepEqual(c.args, ["--lr=0.01"]);
  const env = envOf(c);
  assert.equal(env.trial, "iris-00001", "the template's own KUBETUNE_TRIAL never shadows the trial's");
  assert.ok(env.names.includes("KEEP") && env.names.includes("KUBETUNE_REPORT_KEY") && env.names.includes("KUBETUNE_NATS_URL"));
  assert.equal(o.spec.backoffLimit, 0);
  assert.equal(template.resource.spec.template === undefined, false, "the job's template is left as it was");
  assert.deepEqual((template.resource.spec as Obj).template.spec.containers[0].args, ["--lr=${params.lr}"]);
});

test("every container of every replica of a JobSet and a PyTorchJob gets the env", () => {
  const js = jobWith({ apiVersion: "jobset.x-k8s.io/v1alpha2", kind: "JobSet", spec: { replicatedJobs: [{ name: "leader", replicas: 1, template: { spec: { template: pod(["a"]) } } }, { name: "workers", replicas: 4, template: { spec: { template: { spec: { containers: [{ name: "w1" }, { name: "w2" }] } } } } }] } });
  const o = trialResource(js.job, js.template, trial, view, "nats://n:4222") as Obj;
  const containers = (o.spec.replicatedJobs as Obj[]).flatMap((r) => r.template.spec.template.spec.containers as Obj[]);
  assert.equal(containers.length, 3);
  for (const c of containers) assert.equal(envOf(c).trial, "iris-00001");
  const pt = jobWith({ apiVersion: "kubeflow.org/v1", kind: "PyTorchJob", spec: { pytorchReplicaSpecs: { Master: { replicas: 1, template: pod(["m"]) }, Worker: { replicas: 2, template: pod(["w"]) } } } });
  const p = trialResource(pt.job, pt.template, trial, view, "nats://n:4222") as Obj;
  for (const role of ["Master", "Worker"]) assert.equal(envOf(p.spec.pytorchReplicaSpecs[role].template.spec.containers[0]).trial, "iris-00001", role);
});

test("a TrainJob gets the env in spec.trainer.env (its runtime makes the Pods), params substituted in its args", () => {
  const { job, template } = jobWith({ apiVersion: "trainer.kubeflow.org/v1alpha1", kind: "TrainJob", spec: { runtimeRef: { name: "torch-distributed" }, trainer: { args: ["--lr=${params.lr}"], env: [{ name: "KUBETUNE_JOB", value: "x" }] } } });
  const o = trialResource(job, template, trial, view, "nats://n:4222") as Obj;
  assert.deepEqual(o.spec.trainer.args, ["--lr=0.01"]);
  assert.equal(envOf(o.spec.trainer).trial, "iris-00001");
  assert.equal((o.spec.trainer.env as Obj[]).filter((e) => e.name === "KUBETUNE_JOB").length, 1);
  assert.deepEqual(o.spec.runtimeRef, { name: "torch-distributed" });
});
