// Status size against trial count, computed with the controller's own status functions: the
// TuningJob status for N finished trials and a Trial status after N reported steps. Running a real
// 10,000-trial job takes longer than this machine allows; this shows what its objects would hold.
import type { TrialView } from "../../controller/src/engine/job.ts";
import { jobStatus, trialStatus } from "../../controller/src/kube/status.ts";

/** Bytes of the compact JSON of a job status with `n` finished trials, and of a Trial status after `n` steps. */
export function statusBytes(n: number): { job: number; trial: number } {
  const now = new Date(Date.UTC(2026, 10, 29)).toISOString();
  const trials: TrialView[] = Array.from({ length: n }, (_, i) => ({
    name: `bench-${String(i).padStart(5, "0")}`,
    index: i,
    params: { learningRate: 0.001 + i / n, units: 8 + (i % 500) },
    phase: "Succeeded",
    value: 1 + 1 / (i + 1),
    curve: [{ step: 0, value: 2 }, { step: 1, value: 1.5 }, { step: 2, value: 1 + 1 / (i + 1) }],
    metrics: { val_loss: 1 + 1 / (i + 1), val_accuracy: 0.9 },
    finishedOrder: i,
  }));
  const job = jobStatus({ generation: 1, trials, end: { phase: "Succeeded", reason: "MaxTrialsReached", message: `${n} trials finished` }, best: trials[n - 1], maxTrials: n, now });
  const long: TrialView = { ...(trials[0] as TrialView), curve: Array.from({ length: n }, (_, step) => ({ step, value: 1 + 1 / (step + 1) })) };
  const trial = trialStatus({ view: long, metricNames: null, now });
  return { job: Buffer.byteLength(JSON.stringify(job)), trial: Buffer.byteLength(JSON.stringify(trial)) };
}
