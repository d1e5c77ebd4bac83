import type { MetricsTarget } from "../../ingest/metrics-target.ts";
import { createMetricsTarget } from "../metrics-target.ts";
import type { ReconcileOutcome } from "../workqueue.ts";
import type { ReconcileDeps } from "./deps.ts";
import { createJobReconciler } from "./job.ts";
import { createJobs } from "./jobs.ts";

/** The controller's job logic, split by who calls it: the work queue reconciles, ingest hands in reports. */
export interface Reconciler {
  /** The work queue's handler; never called twice at once for one key (the queue ensures it). */
  reconcile(key: string): Promise<ReconcileOutcome>;
  /** Ingest's port: trial admission, applying reports, persisting them. */
  target: MetricsTarget;
}

/** Creates the reconciler and ingest's port over one shared table of jobs. */
export function createReconciler(deps: ReconcileDeps): Reconciler {
  const d = { ...deps, now: deps.now ?? Date.now };
  const jobs = createJobs(d.metrics);
  return { reconcile: createJobReconciler(d, jobs), target: createMetricsTarget(d, jobs) };
}
