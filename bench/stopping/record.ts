/**
 * Records real learning curves for the early-stopping bench: trains small tfjs MLPs (CPU) with randomly
 * drawn hyperparameters on a noisy 3-arm spiral and writes each trial's validation loss per epoch.
 * Usage: node bench/stopping/record.ts [--trials 40] [--epochs 27] [--seed 1] [--out bench/stopping/curves/tfjs-spirals.json]
 */
import { parseArgs } from "node:util";
import { writeFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { createRng, type Rng } from "../../controller/src/engine/search/rng.ts";
import type { RecordedCurves } from "./recorded.ts";

const { values: args } = parseArgs({
  options: {
    trials: { type: "string", default: "40" },
    epochs: { type: "string", default: "27" },
    seed: { type: "string", default: "1" },
    out: { type: "string", default: "bench/stopping/curves/tfjs-spirals.json" },
  },
});
const trials = Number(args.trials);
const epochs = Number(args.epochs);
const seed = Number(args.seed);

/** n points per class on `classes` interleaved spiral arms with Gaussian noise: hard enough that curves differ. */
function spirals(rng: Rng, n: number, classes: number): { x: number[][]; y: number[] } {
  const x: number[][] = [];
  const y: number[] = [];
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < n; i++) {
      const r = i / n;
      const theta = (2 * Math.PI * c) / classes + 2 * Math.PI * r + 0.3 * rng.normal();
      x.push([r * Math.cos(theta), r * Math.sin(theta)]);
      y.push(c);
    }
  }
  return { x, y };
}

async function main(): Promise<void> {
  await tf.setBackend("cpu");
  const rng = createRng(seed, 2026);
  const classes = 3;
  const train = spirals(rng, 300, classes);
  const val = spirals(rng, 150, classes);
  const xs = tf.tensor2d(train.x);
  const ys = tf.oneHot(tf.tensor1d(train.y, "int32"), classes);
  const vx = tf.tensor2d(val.x);
  const vy = tf.oneHot(tf.tensor1d(val.y, "int32"), classes);
  const file: RecordedCurves = {
    name: "tfjs-spirals",
    direction: "minimize",
    metric: "val_loss",
    source: `bench/stopping/record.ts --trials ${trials} --epochs ${epochs} --seed ${seed}: tfjs ${tf.version.tfjs} MLPs on a 3-arm spiral (900 train / 450 validation points)`,
    trials: [],
  };
  for (let i = 0; i < trials; i++) {
    const params = {
      learningRate: 10 ** (-3.5 + 3 * rng.next()),
      units: [8, 16, 32, 64, 128][rng.int(5)] ?? 32,
      layers: 1 + rng.int(3),
      batchSize: [16, 32, 64, 128][rng.int(4)] ?? 32,
      optimizer: ["sgd", "adam", "rmsprop"][rng.int(3)] ?? "adam",
    };
    const model = tf.sequential();
    for (let l = 0; l < params.layers; l++) {
      model.add(tf.layers.dense({ units: params.units, activation: "relu", inputShape: l === 0 ? [2] : undefined, kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1000 + i * 10 + l }) }));
    }
    model.add(tf.layers.dense({ units: classes, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1000 + i * 10 + 9 }) }));
    const optimizer = params.optimizer === "sgd" ? tf.train.sgd(params.learningRate * 10) : params.optimizer === "adam" ? tf.train.adam(params.learningRate) : tf.train.rmsprop(params.learningRate);
    model.compile({ optimizer, loss: "categoricalCrossentropy" });
    const history = await model.fit(xs, ys, { epochs, batchSize: params.batchSize, validationData: [vx, vy], shuffle: false, verbose: 0 });
    const losses = (history.history.val_loss ?? []).map((v) => Number(v));
    const value = (v: number): number | null => (Number.isFinite(v) ? Number(v.toPrecision(6)) : null);
    file.trials.push({ trial: `spiral-${i}`, params: { ...params, learningRate: Number(params.learningRate.toPrecision(4)) }, curve: losses.map((v, e) => ({ step: e + 1, value: value(v) })) });
    model.dispose();
    process.stderr.write(`trial ${i}: ${JSON.stringify(params)} final val_loss ${losses.at(-1)?.toFixed(4)}\n`);
  }
  // One trial per line: small, and diffs stay readable when the curves are re-recorded.
  const { trials: recorded, ...head } = file;
  const body = recorded.map((t) => `  ${JSON.stringify(t)}`).join(",\n");
  writeFileSync(args.out, `${JSON.stringify(head).slice(0, -1)},"trials":[\n${body}\n]}\n`);
  console.log(`wrote ${file.trials.length} curves to ${args.out}`);
}

await main();
