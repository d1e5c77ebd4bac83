import { before, test } from "node:test";
import assert from "node:assert/strict";
import type * as Tf from "@tensorflow/tfjs";
import { defaultCandidates, selectBackend } from "../backend.ts";
import type { TfModule } from "../backend.ts";
import { parseParams } from "../params.ts";
import { withSeededMathRandom } from "../rng.ts";
import { buildModel } from "./build.ts";

let tf: TfModule;
let x: Tf.Tensor;
let y: Tf.Tensor;

before(async () => {
  tf = (await selectBackend(defaultCandidates(), "cpu")).tf;
  await withSeededMathRandom(3, async () => {
    x = tf.randomNormal([60, 4]);
    // Labels from a fixed linear rule, so there is something to learn.
    y = tf.oneHot(tf.argMax(tf.matMul(x, tf.tensor2d([1, -1, 0, 0.5, 0, 1, 2, 0, -1, 0.3, 0, 1], [4, 3])), 1), 3).toFloat();
  });
});

const build = (flags: string[]) =>
  withSeededMathRandom(7, async () => buildModel(tf, parseParams(undefined, flags), { inputs: 4, classes: 3 }));

function kernels(m: Tf.Sequential): Tf.Tensor[] {
  return m.layers.filter((l) => l.getClassName() === "Dense").map((l) => l.getWeights()[0] as Tf.Tensor);
}
const sumOf = (ts: Tf.Tensor[], f: (t: Tf.Tensor) => Tf.Tensor) => ts.reduce((s, t) => s + (tf.sum(f(t)).dataSync()[0] ?? 0), 0);

// With a vanishing learning rate, one full-batch epoch reports the loss at the initial weights.
async function initialTrainingLoss(m: Tf.Sequential): Promise<number> {
  const h = await m.fit(x, y, { epochs: 1, batchSize: 60, shuffle: false, verbose: 0 });
  return Number(h.history.loss?.[0]);
}

test("L2 adds l2·Σw² and L1 adds l1·Σ|w| of every kernel to the training loss", async () => {
  const flags = ["--layers=1", "--units=8", "--optimizer=sgd", "--learningRate=1e-9"];
  const plain = await build(flags);
  const ridge = await build([...flags, "--l2=0.1"]);
  const lasso = await build([...flags, "--l1=0.05"]);
  const squares = sumOf(kernels(plain), (t) => tf.square(t));
  const absolutes = sumOf(kernels(plain), (t) => tf.abs(t));
  assert.equal(sumOf(kernels(ridge), (t) => tf.square(t)), squares, "same seed, same initial weights");
  const base = await initialTrainingLoss(plain);
  assert.ok(Math.abs((await initialTrainingLoss(ridge)) - (base + 0.1 * squares)) < 1e-4);
  assert.ok(Math.abs((await initialTrainingLoss(lasso)) - (base + 0.05 * absolutes)) < 1e-4);
});

test("training with L2 shrinks the weights' squares; with L1 their absolute sum", async () => {
  const flags = ["--model=linear", "--optimizer=sgd", "--learningRate=0.1"];
  const fit = async (extra: string[]) => {
    const m = await build([...flags, ...extra]);
    await withSeededMathRandom(1, () => m.fit(x, y, { epochs: 40, batchSize: 20, verbose: 0 }));
    return kernels(m);
  };
  const plain = await fit([]);
  const ridge = await fit(["--l2=0.05"]);
  const lasso = await fit(["--l1=0.05"]);
  assert.ok(sumOf(ridge, (t) => tf.square(t)) < 0.7 * sumOf(plain, (t) => tf.square(t)));
  assert.ok(sumOf(lasso, (t) => tf.abs(t)) < 0.7 * sumOf(plain, (t) => tf.abs(t)));
});

test("dropout perturbs training-mode outputs only, and raises the training-mode loss", async () => {
  const m = await build(["--layers=2", "--units=32", "--dropout=0.5"]);
  assert.deepEqual(m.layers.map((l) => l.getClassName()), ["Dense", "Dropout", "Dense", "Dropout", "Dense"]);
  const infer = () => (m.predict(x) as Tf.Tensor).arraySync();
  assert.deepEqual(infer(), infer());
  const trainOut = () => m.apply(x, { training: true }) as Tf.Tensor;
  const a = trainOut();
  const b = trainOut();
  assert.ok(tf.any(tf.notEqual(a, b)).dataSync()[0] === 1, "dropout masks differ between training calls");
  const lossOf = (p: Tf.Tensor) => tf.metrics.categoricalCrossentropy(y, p).mean().dataSync()[0] ?? 0;
  let noisy = 0;
  for (let i = 0; i < 10; i++) noisy += lossOf(trainOut()) / 10;
  const clean = lossOf(m.predict(x) as Tf.Tensor);
  assert.notEqual(noisy, clean);
  await withSeededMathRandom(2, () => m.fit(x, y, { epochs: 30, batchSize: 20, verbose: 0 }));
  let noisyTrained = 0;
  for (let i = 0; i < 10; i++) noisyTrained += lossOf(trainOut()) / 10;
  assert.ok(noisyTrained > lossOf(m.predict(x) as Tf.Tensor), "a trained network does worse with half its units dropped");
  const noDropout = await build(["--layers=2", "--units=32"]);
  assert.deepEqual(noDropout.layers.map((l) => l.getClassName()), ["Dense", "Dense", "Dense"]);
});

test("the linear model has no hidden layer; regression has one linear output", async () => {
  const linear = await build(["--model=linear", "--layers=3"]);
  assert.equal(linear.layers.length, 1);
  assert.equal(linear.countParams(), 4 * 3 + 3);
  const reg = buildModel(tf, parseParams(undefined, ["--dataset=synthetic", "--task=regression", "--model=linear", "--l1=0.1", "--l2=0.1"]), { inputs: 4, classes: 0 });
  assert.deepEqual(reg.outputs[0]?.shape, [null, 1]);
});

test("optimizers follow the parameters", async () => {
  const name = async (flags: string[]) => (await build(flags)).optimizer.getClassName();
  assert.equal(await name(["--optimizer=sgd"]), "SGD");
  assert.equal(await name(["--optimizer=sgd", "--momentum=0.9"]), "Momentum");
  assert.equal(await name(["--optimizer=adam"]), "Adam");
  assert.equal(await name(["--optimizer=rmsprop"]), "RMSProp");
});
