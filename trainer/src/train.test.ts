import { before, test } from "node:test";
import assert from "node:assert/strict";
import { defaultCandidates, selectBackend } from "./backend.ts";
import type { LoadedBackend } from "./backend.ts";
import { loadDataset } from "./data/load.ts";
import { parseParams } from "./params.ts";
import { recordingReporter } from "./testing.ts";
import { train } from "./train.ts";

let backend: LoadedBackend;
before(async () => {
  backend = await selectBackend(defaultCandidates());
});

async function run(flags: string[], configure?: (r: ReturnType<typeof recordingReporter>) => void) {
  const p = parseParams(undefined, flags);
  const r = recordingReporter();
  configure?.(r);
  const result = await train(backend.tf, p, loadDataset(p), r, backend.name);
  return { result, sent: r.sent };
}

const curve = (sent: { step: number; metrics: Record<string, number> }[], name: string) => sent.filter((m) => m.step > 0).map((m) => m.metrics[name]);

test("reports step 0 (setup), one report per epoch, then a final one", async () => {
  const { result, sent } = await run(["--dataset=iris", "--epochs=5", "--seed=4"]);
  assert.equal(result.epochsCompleted, 5);
  assert.equal(result.diverged, false);
  assert.deepEqual(sent.map((m) => [m.step, m.final ?? false]), [[0, false], [1, false], [2, false], [3, false], [4, false], [5, false], [5, true]]);
  assert.deepEqual(sent[0]?.metrics, { [`backend_${backend.name.replace("-", "_")}`]: 1, train_samples: 120, validation_samples: 30, folds: 1, trainable_parameters: 4 * 64 + 64 + 64 * 3 + 3 });
  assert.deepEqual(Object.keys(sent[1]?.metrics ?? {}).sort(), ["accuracy", "epoch_time_seconds", "loss", "samples_per_second", "val_accuracy", "val_loss"]);
  assert.deepEqual(sent.at(-1)?.metrics, { ...sent.at(-2)?.metrics, epochs_completed: 5 });
  const losses = curve(sent, "loss") as number[];
  assert.ok((losses.at(-1) ?? Infinity) < (losses[0] ?? 0), "training lowers the loss");
});

test("the same seed gives the same learning curve; another seed a different one", async () => {
  const flags = ["--dataset=synthetic", "--epochs=4", "--dropout=0.3", "--layers=2"];
  const a = await run([...flags, "--seed=11"]);
  const b = await run([...flags, "--seed=11"]);
  const c = await run([...flags, "--seed=12"]);
  assert.deepEqual(curve(a.sent, "val_loss"), curve(b.sent, "val_loss"));
  assert.deepEqual(curve(a.sent, "loss"), curve(b.sent, "loss"));
  assert.notDeepEqual(curve(a.sent, "val_loss"), curve(c.sent, "val_loss"));
});

test("regression reports loss, mse and their validation versions", async () => {
  const { sent } = await run(["--dataset=synthetic", "--task=regression", "--model=linear", "--epochs=3", "--l1=0.01", "--l2=0.01", "--learningRate=0.05"]);
  assert.deepEqual(Object.keys(sent[1]?.metrics ?? {}).sort(), ["epoch_time_seconds", "loss", "mse", "samples_per_second", "val_loss", "val_mse"]);
  const m = sent[1]?.metrics ?? {};
  // The training loss carries the L1/L2 penalty, the mse metric does not.
  assert.ok((m.loss ?? 0) > (m.mse ?? Infinity));
});

test("k-fold cross-validation trains one model per fold and averages them", async () => {
  const { sent } = await run(["--dataset=iris", "--epochs=2", "--folds=5"]);
  assert.equal(sent[0]?.metrics.folds, 5);
  assert.equal(sent[0]?.metrics.train_samples, 120);
  const epoch = sent[1]?.metrics ?? {};
  // Five folds of 120 training rows were processed in the epoch.
  assert.ok(Math.abs((epoch.samples_per_second ?? 0) * (epoch.epoch_time_seconds ?? 0) - 600) < 1e-6);
  const single = await run(["--dataset=iris", "--epochs=2"]);
  assert.notEqual(epoch.val_loss, single.sent[1]?.metrics.val_loss);
});

test("a stop request ends training after the current epoch with a final report", async () => {
  const { result, sent } = await run(["--dataset=iris", "--epochs=50"], (r) => {
    r.onStop(() => {});
    const report = r.report.bind(r);
    r.report = async (step, metrics) => {
      await report(step, metrics);
      if (step === 3) r.requestStop("median rule");
    };
  });
  assert.equal(result.stopReason, "median rule");
  assert.equal(result.epochsCompleted, 3);
  assert.deepEqual(sent.map((m) => m.step), [0, 1, 2, 3, 3]);
  assert.equal(sent.at(-1)?.final, true);
  assert.equal(sent.at(-1)?.metrics.epochs_completed, 3);
});

test("a diverging run stops, says so in its final report, and keeps non-finite values off the wire", async () => {
  const { result, sent } = await run(["--dataset=synthetic", "--task=regression", "--model=linear", "--optimizer=sgd", "--learningRate=9", "--epochs=30"]);
  assert.equal(result.diverged, true);
  assert.ok(result.epochsCompleted < 30);
  assert.equal(sent.at(-1)?.metrics.diverged, 1);
  for (const m of sent) for (const v of Object.values(m.metrics)) assert.ok(Number.isFinite(v));
});
