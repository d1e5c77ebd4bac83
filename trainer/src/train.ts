import type * as Tf from "@tensorflow/tfjs";
import type { TfModule } from "./backend.ts";
import type { BackendName, TrainerParams } from "./params.ts";
import type { Dataset } from "./data/dataset.ts";
import { selectRows } from "./data/dataset.ts";
import { columnStats, holdoutSplit, kFoldSplits, standardize } from "./data/split.ts";
import type { Split } from "./data/split.ts";
import { buildModel } from "./models/build.ts";
import { withSeededMathRandom } from "./rng.ts";
import { metricsFromLogs } from "./sdk/fit-callback.ts";
import type { Reporter } from "./sdk/index.ts";

/** How a training run ended. */
export interface TrainResult {
  epochsCompleted: number;
  /** Why training stopped early, when it was asked to. */
  stopReason: string | undefined;
  /** True when the loss stopped being a finite number (the learning rate is usually too high). */
  diverged: boolean;
  /** Metrics of the last completed epoch (validation metrics averaged over folds). */
  metrics: Record<string, number>;
}

/** One training/validation fold turned into tensors, with its own model. */
interface Fold {
  model: Tf.Sequential;
  xTrain: Tf.Tensor;
  yTrain: Tf.Tensor;
  xVal: Tf.Tensor;
  yVal: Tf.Tensor;
  trainRows: number;
}

function makeFold(tf: TfModule, p: TrainerParams, ds: Dataset, split: Split): Fold {
  const tr = selectRows(ds, split.train);
  const va = selectRows(ds, split.val);
  if (ds.standardize) {
    // Statistics from the training rows only, so validation stays unseen.
    const stats = columnStats(ds.x, ds.features, split.train);
    standardize(tr.x, ds.features, stats);
    standardize(va.x, ds.features, stats);
  }
  const classes = ds.task === "classification" ? ds.classes.length : 0;
  const y = (v: Float32Array) => (classes > 0 ? tf.oneHot(tf.tensor1d(Int32Array.from(v), "int32"), classes).toFloat() : tf.tensor2d(v, [v.length, 1]));
  return {
    model: buildModel(tf, p, { inputs: ds.features, classes }),
    xTrain: tf.tensor2d(tr.x, [split.train.length, ds.features]),
    yTrain: y(tr.y),
    xVal: tf.tensor2d(va.x, [split.val.length, ds.features]),
    yVal: y(va.y),
    trainRows: split.train.length,
  };
}

function mean(sums: Record<string, number>, n: number): Record<string, number> {
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / n]));
}

/**
 * Trains on `ds` as the parameters say and reports through `reporter`: step 0 describes the run
 * (backend, sizes), steps 1..epochs carry each epoch's metrics (averaged over folds with folds > 1),
 * then a final report. A stop request abandons the current epoch. Deterministic for a given seed.
 */
export async function train(tf: TfModule, p: TrainerParams, ds: Dataset, reporter: Reporter, backend: BackendName): Promise<TrainResult> {
  return withSeededMathRandom(p.seed, async () => {
    const splits = p.folds > 1 ? kFoldSplits(ds.n, p.folds, p.seed) : [holdoutSplit(ds.n, p.validationSplit, p.seed)];
    const folds = splits.map((s) => makeFold(tf, p, ds, s));
    const stopAll = () => folds.forEach((f) => (f.model.stopTraining = true));
    const offStop = reporter.onStop(stopAll);
    const result: TrainResult = { epochsCompleted: 0, stopReason: undefined, diverged: false, metrics: {} };
    try {
      const first = folds[0];
      await reporter.report(0, {
        [`backend_${backend.replace("-", "_")}`]: 1,
        train_samples: first?.trainRows ?? 0,
        validation_samples: splits[0]?.val.length ?? 0,
        folds: folds.length,
        trainable_parameters: first?.model.countParams() ?? 0,
      });
      for (let epoch = 1; epoch <= p.epochs && !reporter.stopRequested; epoch++) {
        const started = performance.now();
        const sums: Record<string, number> = {};
        let samples = 0;
        for (const f of folds) {
          const h = await f.model.fit(f.xTrain, f.yTrain, { epochs: 1, batchSize: p.batchSize, shuffle: true, validationData: [f.xVal, f.yVal], verbose: 0 });
          if (reporter.stopRequested) break;
          samples += f.trainRows;
          for (const [k, v] of Object.entries(metricsFromLogs(Object.fromEntries(Object.entries(h.history).map(([k2, vs]) => [k2, vs[0]]))))) sums[k] = (sums[k] ?? 0) + v;
        }
        if (reporter.stopRequested) break;
        const seconds = (performance.now() - started) / 1000;
        const metrics: Record<string, number> = { ...mean(sums, folds.length), epoch_time_seconds: seconds, samples_per_second: samples / seconds };
        await reporter.report(epoch, metrics);
        if (!Number.isFinite(metrics.loss ?? Number.NaN)) {
          result.diverged = true;
          break;
        }
        result.epochsCompleted = epoch;
        result.metrics = metrics;
      }
      result.stopReason = reporter.stopReason;
      await reporter.final({ ...result.metrics, epochs_completed: result.epochsCompleted, ...(result.diverged ? { diverged: 1 } : {}) });
      return result;
    } finally {
      offStop();
      for (const f of folds) {
        f.model.dispose();
        tf.dispose([f.xTrain, f.yTrain, f.xVal, f.yVal]);
      }
    }
  });
}
