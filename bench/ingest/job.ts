// The simulated TuningJobs and the reports their trials send.
import { NAMESPACE } from "./protocol.ts";

/** ASHA with rungs at steps 1, 3, 9, 27…: a victim's bad value at step 3 is stopped at that very report. */
export const VICTIM_STEP = 3;

/**
 * TuningJob `jNN` running `trials` trials at once under ASHA (η 3, first rung at step 1). Every load trial
 * reports the same curve, so ties keep all of them running: only victims are ever stopped.
 */
export function benchJob(index: number, trials: number) {
  const name = `j${String(index).padStart(2, "0")}`;
  return {
    apiVersion: "kubetune.io/v1alpha1",
    kind: "TuningJob",
    metadata: { name, namespace: NAMESPACE, uid: `job-${index}`, generation: 1 },
    spec: {
      objective: { metric: "val_loss", direction: "minimize" },
      parameters: [
        { name: "learningRate", type: "double", min: 1e-4, max: 0.3, scale: "log" },
        { name: "units", type: "int", min: 16, max: 512, scale: "log" },
      ],
      search: { algorithm: "random", seed: index },
      earlyStopping: { algorithm: "asha", settings: { minResource: 1, reductionFactor: 3 } },
      budget: { maxTrials: 2 * trials, parallelTrials: trials, maxFailedTrials: 3 },
      trialTemplate: { spec: { containers: [{ name: "trainer", image: "kubetune/trainer", args: ["--learning-rate=${params.learningRate}", "--units=${params.units}"] }] } },
    },
  };
}

/** The JSON body of one report, shaped like kubetune-trainer's epoch reports; `bad` gives a victim's poor value. */
export function reportBody(trial: string, step: number, bad = false): string {
  const valLoss = bad ? 10 : 1 / (1 + step);
  const metrics = { loss: 0.9 / (1 + step), accuracy: 1 - 0.9 / (1 + step), val_loss: valLoss, val_accuracy: 1 - valLoss, epoch_time_seconds: 2.5, samples_per_second: 24000 };
  return JSON.stringify({ trial, step, metrics });
}
