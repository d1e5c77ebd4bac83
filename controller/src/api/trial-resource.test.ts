import { test } from "node:test";
import assert from "node:assert/strict";
import { TuningJob } from "./tuningjob.ts";
import { judgeResource, trialConditions, ResourceTrialTemplate } from "./trial-resource.ts";

const base = {
  apiVersion: "kubetune.io/v1alpha1",
  kind: "TuningJob",
  metadata: { name: "iris" },
  spec: {
    objective: { metric: "val_loss", direction: "minimize" },
    parameters: [{ name: "lr", type: "double", min: 0.001, max: 0.1 }],
    search: { algorithm: "random" },
    budget: { maxTrials: 2 },
  },
};
const withTemplate = (trialTemplate: unknown) => ({ ...base, spec: { ...base.spec, trialTemplate } });
const jobResource = { apiVersion: "batch/v1", kind: "Job", spec: { template: { spec: { containers: [{ name: "t", image: "x", args: ["--lr=${params.lr}"] }] } } } };

test("a TuningJob accepts a Pod template or a resource; a Job needs no conditions (its defaults apply)", () => {
  assert.ok(TuningJob.safeParse(withTemplate({ spec: { containers: [{ name: "t" }] } })).success);
  const r = TuningJob.safeParse(withTemplate({ resource: jobResource }));
  assert.ok(r.success, JSON.stringify(r.error?.issues));
});

test("an unknown kind must name both conditions", () => {
  const r = TuningJob.safeParse(withTemplate({ resource: { apiVersion: "example.com/v1", kind: "Trainer", spec: {} }, successCondition: "object.status.done" }));
  assert.equal(r.success, false);
  const issue = r.error?.issues.find((i) => i.path.join(".") === "spec.trialTemplate.failureCondition");
  assert.match(issue?.message ?? JSON.stringify(r.error?.issues), /is required: kubetune has no default for Trainer/);
});

test("a condition that does not parse is refused with the parser's message", () => {
  const r = TuningJob.safeParse(withTemplate({ resource: jobResource, successCondition: "object.status.succeeded >= " }));
  assert.equal(r.success, false);
  const issue = r.error?.issues.find((i) => i.path.join(".") === "spec.trialTemplate.successCondition");
  assert.match(issue?.message ?? JSON.stringify(r.error?.issues), /is not a valid CEL expression: \S/);
});

test("an undeclared ${params.x} inside a resource is refused like in a Pod template", () => {
  const r = TuningJob.safeParse(withTemplate({ resource: { ...jobResource, spec: { template: { spec: { containers: [{ name: "t", args: ["${params.nope}"] }] } } } } }));
  assert.equal(r.success, false);
  assert.match(JSON.stringify(r.error?.issues), /no parameter \\"nope\\" is declared/);
});

test("a metricsCollector with a resource template is refused with why", () => {
  const r = TuningJob.safeParse({ ...withTemplate({ resource: jobResource }), spec: { ...withTemplate({ resource: jobResource }).spec, metricsCollector: { kind: "stdout", format: "json" } } });
  assert.equal(r.success, false);
  assert.match(JSON.stringify(r.error?.issues), /works with a Pod trialTemplate only/);
});

const job = (conditions: { type: string; status: string }[] | undefined, extra: Record<string, unknown> = {}) => ({ apiVersion: "batch/v1", kind: "Job", status: { ...(conditions ? { conditions } : {}), ...extra } });

test("a Job's default conditions: Complete succeeds, Failed fails, neither (or no status yet) runs", () => {
  const c = trialConditions(ResourceTrialTemplate.parse({ resource: jobResource }));
  assert.deepEqual(judgeResource(c, job([{ type: "Complete", status: "True" }])), { done: true, ok: true });
  const failed = judgeResource(c, job([{ type: "Failed", status: "True" }]));
  assert.equal(failed.done && failed.ok, false);
  assert.deepEqual(judgeResource(c, job([{ type: "Complete", status: "False" }])), { done: false });
  assert.deepEqual(judgeResource(c, { apiVersion: "batch/v1", kind: "Job" }), { done: false });
});

test("user conditions see whole numbers as CEL ints; an expression that errors leaves the trial running and says why", () => {
  const c = trialConditions(ResourceTrialTemplate.parse({ resource: jobResource, successCondition: "object.status.succeeded >= 2", failureCondition: "object.status.failed > 0" }));
  assert.deepEqual(judgeResource(c, job(undefined, { succeeded: 2, failed: 0 })), { done: true, ok: true });
  assert.deepEqual(judgeResource(c, job(undefined, { succeeded: 1, failed: 0 })), { done: false });
  const failing = judgeResource(c, job(undefined, { succeeded: 0, failed: 1 }));
  assert.equal(failing.done && failing.ok, false);
  const broken = judgeResource(c, job(undefined, {}));
  assert.equal(broken.done, false);
  assert.ok(!broken.done && broken.error, "the evaluation error is reported");
});

test("each known kind's defaults read the condition its operator sets", () => {
  const cases = [
    { apiVersion: "jobset.x-k8s.io/v1alpha2", kind: "JobSet", ok: "Completed" },
    { apiVersion: "kubeflow.org/v1", kind: "PyTorchJob", ok: "Succeeded" },
    { apiVersion: "trainer.kubeflow.org/v1alpha1", kind: "TrainJob", ok: "Complete" },
  ];
  for (const k of cases) {
    const c = trialConditions(ResourceTrialTemplate.parse({ resource: { apiVersion: k.apiVersion, kind: k.kind, spec: {} } }));
    const at = (type: string) => judgeResource(c, { status: { conditions: [{ type: "Created", status: "True" }, { type, status: "True" }] } });
    assert.deepEqual(at(k.ok), { done: true, ok: true }, k.kind);
    const failed = at("Failed");
    assert.equal(failed.done && !failed.ok, true, k.kind);
    assert.deepEqual(judgeResource(c, { status: { conditions: [{ type: k.ok, status: "False" }] } }), { done: false }, k.kind);
  }
});

test("a resource's metadata may carry labels and annotations only: finalizers (a stopped trial's resource never goes) and the name, namespace and owners kubetune sets are refused", () => {
  for (const [key, value] of [["finalizers", ["example.com/hold"]], ["namespace", "kube-system"], ["name", "other"], ["ownerReferences", []], ["resourceVersion", "1"]] as const) {
    const r = TuningJob.safeParse(withTemplate({ resource: { ...jobResource, metadata: { [key]: value } } }));
    assert.equal(r.success, false, key);
    const issue = r.error?.issues.find((i) => i.path.join(".") === "spec.trialTemplate.resource.metadata");
    assert.match(issue?.message ?? JSON.stringify(r.error?.issues), new RegExp(`${key}.*labels and annotations only`), key);
  }
  assert.ok(TuningJob.safeParse(withTemplate({ resource: { ...jobResource, metadata: { labels: { team: "a" }, annotations: { note: "b" } } } })).success);
});
