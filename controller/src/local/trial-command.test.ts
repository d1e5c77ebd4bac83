import { test } from "node:test";
import assert from "node:assert/strict";
import { TuningJobSpec } from "../api/tuningjob.ts";
import { trialCommand } from "./trial-command.ts";

const specWith = (trialTemplate: unknown) =>
  TuningJobSpec.parse({
    objective: { metric: "val_loss", direction: "minimize" },
    parameters: [{ name: "lr", type: "double", min: 0.001, max: 0.1 }],
    search: { algorithm: "random" },
    budget: { maxTrials: 2 },
    trialTemplate,
  });
const trial = { name: "t-00000", index: 0, params: { lr: 0.05 }, phase: "Pending" as const, curve: [], metrics: {} };
const options = (trialTemplate: unknown) => ({ job: "t", spec: specWith(trialTemplate), cwd: "/tmp", env: {}, pathDirs: [], dir: "/tmp/run" });
const container = { name: "t", command: ["train"], args: ["--lr=${params.lr}"], env: [{ name: "A", value: "1" }] };

test("a batch/v1 Job's Pod template runs as a local process, params substituted, with the KUBETUNE_* env", () => {
  const cmd = trialCommand(options({ resource: { apiVersion: "batch/v1", kind: "Job", spec: { completions: 1, template: { spec: { containers: [container] } } } } }), trial);
  assert.equal(cmd.file, "train");
  assert.deepEqual(cmd.args, ["--lr=0.05"]);
  assert.equal(cmd.env.A, "1");
  assert.equal(cmd.env.KUBETUNE_TRIAL, "t-00000");
});

test("a TrainJob (or any kind but Job) is refused with an error that names the kind", () => {
  const o = options({ resource: { apiVersion: "trainer.kubeflow.org/v1alpha1", kind: "TrainJob", spec: { runtimeRef: { name: "torch" } } } });
  assert.throws(() => trialCommand(o, trial), /kubetune run cannot run TrainJob \(trainer\.kubeflow\.org\/v1alpha1\) trials/);
});
