import type { MetricMessage, TrialAddress } from "../api/metrics.ts";
import type { ReportMode } from "../engine/tuner.ts";

/** How a report's trial stands when the report arrives: only a running trial's reports are applied. */
export type TrialAdmission =
  | {
      state: "running";
      /** The uid of the trial's Trial object, which its report key is derived from; undefined when not known yet. */
      uid: string | undefined;
      /** The metrics the trial has reported so far (for the per-trial bound on metric names). */
      metrics: Readonly<Record<string, number>> | undefined;
    }
  | { state: "finished" | "unknown" | "later" };

/** The one port through which ingest hands validated reports to the controller's jobs; the kube side implements it. */
export interface MetricsTarget {
  /** How this trial stands for a report arriving now. */
  admission(a: TrialAddress): TrialAdmission;
  /** Applies an accepted report to the job's engine (idempotent per step); `mode` says whether it is judged. */
  apply(a: TrialAddress, m: MetricMessage, mode: ReportMode): void;
  /** Writes the applied reports of these jobs (`namespace/job`) to their Trial statuses. */
  persist(jobKeys: ReadonlySet<string>): Promise<void>;
}
