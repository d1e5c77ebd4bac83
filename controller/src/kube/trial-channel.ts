import type { TrialAddress } from "../api/metrics.ts";

/** The one port through which the controller's jobs reach running trials; metric ingestion implements it. */
export interface TrialChannel {
  /** Sends a stop request on the trial's control subject. */
  stop(a: TrialAddress, reason: string): Promise<void>;
  /** Whether every report of this trial published before `time` (ms since epoch) has been applied. */
  caughtUp(a: TrialAddress, time: number): Promise<boolean>;
}
