import type { ControllerMetrics } from "../../telemetry/metrics.ts";
import { createJobGauges, type JobGauges } from "./gauges.ts";
import { createKeyedLock, type KeyedLock } from "./lock.ts";
import type { JobRuntime } from "./runtime.ts";

/** What the job reconcile and ingest's port (metrics-target.ts) share: the loaded jobs, a lock per job, the job gauges. */
export interface Jobs {
  /** The runtime of each loaded job by `namespace/name`. Written by job.ts (load, drop); read by both. */
  runtimes: Map<string, JobRuntime>;
  /** Serialises a job's reconcile with ingest's status writes for it. */
  lock: KeyedLock;
  gauges: JobGauges;
}

/** An empty table of jobs, exporting gauges on `metrics`. */
export function createJobs(metrics: ControllerMetrics): Jobs {
  return { runtimes: new Map(), lock: createKeyedLock(), gauges: createJobGauges(metrics) };
}
