import type { Reporter } from "./reporter.ts";

/** What a fit callback needs of a tfjs LayersModel; typed structurally so the SDK never imports tfjs. */
export interface StoppableModel {
  stopTraining: boolean;
}

/** The subset of tfjs's CustomCallbackArgs the reporting callback implements. */
export interface ReportingCallback {
  onEpochBegin: (epoch: number) => Promise<void>;
  onEpochEnd: (epoch: number, logs?: Record<string, unknown>) => Promise<void>;
}

/** Options of fitCallback. */
export interface FitCallbackOptions {
  /** Step reported for fit's first epoch (default 1: steps are 1-based epochs). */
  firstStep?: number;
  /** Training samples per epoch; when given, `samples_per_second` is reported. */
  samplesPerEpoch?: number;
}

// tfjs logs accuracy as `acc`; kubetune's documented names spell it out.
const RENAMES: Record<string, string> = { acc: "accuracy", val_acc: "val_accuracy" };

/** Turns tfjs epoch logs into kubetune metric names, keeping numbers only. */
export function metricsFromLogs(logs: Record<string, unknown> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(logs ?? {})) {
    if (typeof v === "number") out[RENAMES[k] ?? k] = v;
  }
  return out;
}

/**
 * A `model.fit` callback that reports every epoch (plus epoch_time_seconds and samples_per_second) and
 * sets `model.stopTraining` when a stop is requested, so fit ends after the current batch.
 */
export function fitCallback(reporter: Reporter, model: StoppableModel, options: FitCallbackOptions = {}): ReportingCallback {
  const firstStep = options.firstStep ?? 1;
  let started = 0;
  let stoppedBefore = false;
  reporter.onStop(() => {
    model.stopTraining = true;
  });
  return {
    async onEpochBegin() {
      started = performance.now();
      stoppedBefore = reporter.stopRequested;
      if (stoppedBefore) model.stopTraining = true;
    },
    async onEpochEnd(epoch, logs) {
      const seconds = (performance.now() - started) / 1000;
      const metrics = metricsFromLogs(logs);
      // An epoch cut short by a stop covers part of the data; reporting it would skew the learning curve.
      if (reporter.stopRequested && !stoppedBefore) return;
      metrics.epoch_time_seconds = seconds;
      if (options.samplesPerEpoch !== undefined && seconds > 0) metrics.samples_per_second = options.samplesPerEpoch / seconds;
      await reporter.report(firstStep + epoch, metrics);
    },
  };
}
