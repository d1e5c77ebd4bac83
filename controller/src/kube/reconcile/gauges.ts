import type { TuningJobStatus } from "../../api/tuningjob.ts";
import type { ControllerMetrics } from "../../telemetry/metrics.ts";

/** The job gauges (kubetune_tuningjobs, kubetune_trials, kubetune_best_objective_value, kubetune_pareto_front_trials) of running and finished jobs. */
export interface JobGauges {
  /** Exports a job's gauges from its status: its phase among the jobs, its trials by phase, its best value or front size. */
  export(namespace: string, job: string, metric: string, phase: string, status: TuningJobStatus | undefined): void;
  /** Removes a deleted job's gauges (`metric`, if known, labels its best value); false when it had none. */
  drop(namespace: string, job: string, metric: string | undefined): boolean;
  /** The objective metric a job's gauges were exported with, if they were. */
  metricOf(key: string): string | undefined;
}

/** The trial phases a job's kubetune_trials gauge may carry (the keys of its status.trials counts). */
const TRIAL_PHASES = ["pending", "running", "succeeded", "failed", "earlyStopped"];

/** Creates the job gauges on the controller's metrics. */
export function createJobGauges(metrics: ControllerMetrics): JobGauges {
  const phases = new Map<string, string>();
  /** The objective metric of each job with gauges (the label to remove them by once the job is deleted). */
  const gaugedMetric = new Map<string, string>();
  const countPhases = (): void => {
    const counts: Record<string, number> = { Pending: 0, Running: 0, Succeeded: 0, Failed: 0 };
    for (const p of phases.values()) counts[p] = (counts[p] ?? 0) + 1;
    for (const [phase, n] of Object.entries(counts)) metrics.jobsByPhase.set({ phase }, n);
  };
  return {
    export(namespace, job, metric, phase, status) {
      const key = `${namespace}/${job}`;
      phases.set(key, phase);
      countPhases();
      gaugedMetric.set(key, metric);
      // Label values are the keys of the job's status.trials counts (docs/metrics.md).
      for (const [p, n] of Object.entries(status?.trials ?? {})) metrics.trialsByPhase.set({ namespace, job, phase: p }, n);
      const best = status?.bestTrial?.value;
      if (best !== undefined) metrics.bestObjective.set({ namespace, job, metric }, best);
      if (status?.paretoFrontSize !== undefined) metrics.paretoFront.set({ namespace, job }, status.paretoFrontSize);
    },
    drop(namespace, job, metric) {
      const key = `${namespace}/${job}`;
      if (!phases.has(key)) return false;
      for (const phase of TRIAL_PHASES) metrics.trialsByPhase.remove({ namespace, job, phase });
      if (metric !== undefined) metrics.bestObjective.remove({ namespace, job, metric });
      metrics.paretoFront.remove({ namespace, job });
      gaugedMetric.delete(key);
      phases.delete(key);
      countPhases();
      return true;
    },
    metricOf: (key) => gaugedMetric.get(key),
  };
}
