import type * as Tf from "@tensorflow/tfjs";
import type { TfModule } from "../backend.ts";
import type { TrainerParams } from "../params.ts";

/** What the network sees and predicts. */
export interface ModelShape {
  inputs: number;
  /** Number of classes; 0 for regression (one continuous output). */
  classes: number;
}

/**
 * Builds and compiles the model the parameters describe. `mlp`: `layers` hidden Dense layers of `units`
 * with `activation`, each followed by Dropout when dropout > 0. `linear`: no hidden layers (logistic or
 * softmax regression for classification; Lasso, Ridge or elastic net for regression by l1/l2).
 * L1/L2 penalties apply to every kernel.
 */
export function buildModel(tf: TfModule, p: TrainerParams, shape: ModelShape): Tf.Sequential {
  const model = tf.sequential();
  const regularizer = p.l1 > 0 || p.l2 > 0 ? tf.regularizers.l1l2({ l1: p.l1, l2: p.l2 }) : undefined;
  const hidden = p.model === "mlp" ? p.layers : 0;
  for (let i = 0; i < hidden; i++) {
    model.add(tf.layers.dense({ units: p.units, activation: p.activation, kernelRegularizer: regularizer, ...(i === 0 ? { inputShape: [shape.inputs] } : {}) }));
    if (p.dropout > 0) model.add(tf.layers.dropout({ rate: p.dropout }));
  }
  const classification = shape.classes > 0;
  model.add(
    tf.layers.dense({
      units: classification ? shape.classes : 1,
      activation: classification ? "softmax" : "linear",
      kernelRegularizer: regularizer,
      ...(hidden === 0 ? { inputShape: [shape.inputs] } : {}),
    }),
  );
  model.compile({
    optimizer: makeOptimizer(tf, p),
    loss: classification ? "categoricalCrossentropy" : "meanSquaredError",
    metrics: classification ? ["accuracy"] : ["mse"],
  });
  return model;
}

/** The optimizer the parameters name; sgd with momentum > 0 is classical momentum SGD. */
export function makeOptimizer(tf: TfModule, p: TrainerParams): Tf.Optimizer {
  switch (p.optimizer) {
    case "sgd":
      return p.momentum > 0 ? tf.train.momentum(p.learningRate, p.momentum) : tf.train.sgd(p.learningRate);
    case "adam":
      return tf.train.adam(p.learningRate);
    case "rmsprop":
      return tf.train.rmsprop(p.learningRate, 0.9, p.momentum);
  }
}
