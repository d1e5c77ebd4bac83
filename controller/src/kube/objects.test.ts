import { test } from "node:test";
import assert from "node:assert/strict";
import { TuningJob } from "../api/tuningjob.ts";
import type { TrialView } from "../engine/job.ts";
import { JOB_LABEL, TRIAL_LABEL, finishedOrder, parseTrial, podOutcome, thinCurve, trialObject, trialPod, trialViewOf } from "./objects.ts";

const job = {
  ...TuningJob.parse({
    apiVersion: "kubetune.io/v1alpha1",
    kind: "TuningJob",
    metadata: { name: "iris", namespace: "team" },
    spec: {
      objective: { metric: "val_loss", direction: "minimize" },
      parameters: [{ name: "lr", type: "double", min: 0.001, max: 0.1 }, { name: "opt", type: "categorical", values: ["adam", "sgd"] }],
      search: { algorithm: "random" },
      budget: { maxTrials: 4 },
      trialTemplate: {
        metadata: { labels: { team: "ml" } },
        spec: { containers: [{ name: "t", image: "trainer", args: ["--lr=${params.lr}", "--opt=${params.opt}"], env: [{ name: "KUBETUNE_TRIAL", value: "spoofed" }, { name: "KEEP", value: "1" }] }] },
      },
    },
  }),
  metadata: { name: "iris", namespace: "team", uid: "job-uid" },
};
const view: TrialView = { name: "iris-00003", index: 3, params: { lr: 0.01, opt: "sgd" }, phase: "Pending", curve: [], metrics: {} };

test("a Trial object is owned by its job, labelled, and carries index and params", () => {
  const t = trialObject(job, view);
  assert.equal(t.metadata.name, "iris-00003");
  assert.equal(t.metadata.labels?.[JOB_LABEL], "iris");
  assert.deepEqual((t.metadata as { ownerReferences?: unknown }).ownerReferences, [{ apiVersion: "kubetune.io/v1alpha1", kind: "TuningJob", name: "iris", uid: "job-uid", controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(t.spec, { index: 3, params: { lr: 0.01, opt: "sgd" } });
});

test("a trial Pod substitutes params, injects KUBETUNE_* env over user values, is owned by the Trial and never restarts", () => {
  const pod = trialPod(job, { name: "iris-00003", namespace: "team", uid: "trial-uid" }, view, "nats://nats:4222");
  assert.equal(pod.metadata?.name, "iris-00003");
  assert.deepEqual(pod.metadata?.labels, { team: "ml", [JOB_LABEL]: "iris", [TRIAL_LABEL]: "iris-00003", "kubetune.io/attempt": "1" });
  assert.equal(pod.metadata?.ownerReferences?.[0]?.uid, "trial-uid");
  assert.equal(pod.metadata?.ownerReferences?.[0]?.kind, "Trial");
  assert.equal(pod.spec?.restartPolicy, "Never");
  const c = pod.spec?.containers[0];
  assert.deepEqual(c?.args, ["--lr=0.01", "--opt=sgd"]);
  const env = Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value]));
  assert.equal(env.KUBETUNE_TRIAL, "iris-00003");
  assert.equal(env.KUBETUNE_JOB, "iris");
  assert.equal(env.KUBETUNE_NAMESPACE, "team");
  assert.equal(env.KUBETUNE_NATS_URL, "nats://nats:4222");
  assert.equal(env.KUBETUNE_OBJECTIVE, "val_loss");
  assert.deepEqual(JSON.parse(env.KUBETUNE_PARAMS ?? ""), { lr: 0.01, opt: "sgd" });
  assert.equal(env.KEEP, "1");
  assert.equal((c?.env ?? []).filter((e) => e.name === "KUBETUNE_TRIAL").length, 1);
});

test("Pod phases map to trial outcomes, failures naming container, exit code and reason", () => {
  assert.deepEqual(podOutcome({ status: { phase: "Pending" } }), { state: "pending" });
  assert.deepEqual(podOutcome({}), { state: "pending" });
  assert.deepEqual(podOutcome({ status: { phase: "Running" } }), { state: "running" });
  assert.deepEqual(podOutcome({ status: { phase: "Succeeded" } }), { state: "exited", ok: true });
  const failed = podOutcome({ status: { phase: "Failed", containerStatuses: [{ name: "t", state: { terminated: { exitCode: 137, reason: "OOMKilled" } } }] } });
  assert.deepEqual(failed, { state: "exited", ok: false, reason: "container t exited with code 137 (OOMKilled)" });
  const evicted = podOutcome({ status: { phase: "Failed", reason: "Evicted", message: "node low on memory" } });
  assert.deepEqual(evicted, { state: "exited", ok: false, reason: "Pod failed (Evicted): node low on memory" });
});

test("curve thinning keeps first, last and evenly spaced points within the bound", () => {
  const curve = Array.from({ length: 1000 }, (_, i) => i);
  const thin = thinCurve(curve, 200);
  assert.equal(thin.length, 200);
  assert.equal(thin[0], 0);
  assert.equal(thin[199], 999);
  assert.ok(thin.every((v, i) => i === 0 || v > (thin[i - 1] as number)), "strictly increasing, no duplicates");
  assert.deepEqual(thinCurve([1, 2, 3], 200), [1, 2, 3]);
});

test("stored Trials become engine views, finished ones in completion order", () => {
  const mk = (name: string, index: number, status: object) => {
    const r = parseTrial({ apiVersion: "kubetune.io/v1alpha1", kind: "Trial", metadata: { name }, spec: { index, params: { lr: 0.1 } }, status });
    assert.ok(r.ok, `Trial ${name} parses`);
    return r.trial;
  };
  const a = mk("j-00000", 0, { phase: "Succeeded", value: 0.2, curve: [{ step: 1, value: 0.2 }], metrics: { val_loss: 0.2 }, completionTime: "2026-01-01T00:00:05Z" });
  const b = mk("j-00001", 1, { phase: "EarlyStopped", reason: "asha", completionTime: "2026-01-01T00:00:02Z" });
  const c = mk("j-00002", 2, { phase: "Running", curve: [{ step: 1, value: 0.5 }] });
  assert.deepEqual(trialViewOf(a), { name: "j-00000", index: 0, params: { lr: 0.1 }, phase: "Succeeded", value: 0.2, curve: [{ step: 1, value: 0.2 }], metrics: { val_loss: 0.2 } });
  assert.equal(trialViewOf(b).reason, "asha");
  assert.equal(trialViewOf(c).phase, "Running");
  assert.deepEqual([...finishedOrder([a, b, c]).entries()], [["j-00001", 0], ["j-00000", 1]]);
  const bad = parseTrial({ apiVersion: "kubetune.io/v1alpha1", kind: "Trial", metadata: { name: "x" }, spec: { index: -1, params: {} } });
  assert.ok(!bad.ok && bad.reason === "invalid_schema" && /Trial x is malformed: spec.index/.test(bad.detail));
});

test("a conditional parameter is in a trial Pod's KUBETUNE_PARAMS and args only while active; its ${params.x:-text} fallback stands in otherwise", () => {
  const conditional = {
    ...TuningJob.parse({
      ...job,
      metadata: { name: "iris", namespace: "team" },
      spec: {
        ...job.spec,
        parameters: [...job.spec.parameters, { name: "momentum", type: "double", min: 0, max: 0.99, when: { parameter: "opt", in: ["sgd"] } }],
        trialTemplate: { spec: { containers: [{ name: "t", image: "trainer", args: ["--opt=${params.opt}", "--momentum=${params.momentum:-0}"] }] } },
      },
    }),
    metadata: job.metadata,
  };
  const podOf = (params: TrialView["params"]) => trialPod(conditional, { name: "iris-00003", namespace: "team", uid: "trial-uid" }, { ...view, params }, "nats://nats:4222").spec?.containers[0];
  const paramsEnv = (c: ReturnType<typeof podOf>) => JSON.parse(c?.env?.find((e) => e.name === "KUBETUNE_PARAMS")?.value ?? "");
  const inactive = podOf({ lr: 0.01, opt: "adam" });
  assert.deepEqual(inactive?.args, ["--opt=adam", "--momentum=0"]);
  assert.deepEqual(paramsEnv(inactive), { lr: 0.01, opt: "adam" });
  const active = podOf({ lr: 0.01, opt: "sgd", momentum: 0.9 });
  assert.deepEqual(active?.args, ["--opt=sgd", "--momentum=0.9"]);
  assert.deepEqual(paramsEnv(active), { lr: 0.01, opt: "sgd", momentum: 0.9 });
});
