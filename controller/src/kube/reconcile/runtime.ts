import type { TrialStatus } from "../../api/trial.ts";
import type { TuningJobSpec, TuningJobStatus } from "../../api/tuningjob.ts";
import type { JobEnd } from "../../engine/job.ts";
import type { Tuner } from "../../engine/tuner.ts";
import type { StopRequest } from "../status.ts";
import type { ResourceTrialTemplate, TrialConditions } from "../../api/trial-resource.ts";
import type { GroupResource } from "../informers.ts";
import type { WarmObservation } from "../../api/warm-start.ts";

/** What a job whose trials are resources (not Pods) creates and judges them by. */
export interface Workload {
  resource: GroupResource;
  template: ResourceTrialTemplate;
  conditions: TrialConditions;
}

/** A Trial status as last written, and what it was computed from besides reports (see writtenFromOf). */
export interface WrittenStatus {
  status: TrialStatus;
  /** Undefined for a status read back at rebuild: the next write recomputes it. */
  from?: string;
}

/**
 * What the controller remembers of one job between reconciles: only what the informer caches cannot
 * say (they lag behind the controller's own writes, and keep no record of what was decided or already
 * done). Pods, Trials and the job itself are read afresh from the caches on every reconcile. All of it
 * is rebuilt from the job's Trial objects after a restart (rebuild.ts).
 *
 * Writers and readers are the modules of kube/reconcile/ and kube/metrics-target.ts (ingest's port).
 */
export interface JobRuntime {
  /** `namespace/name`, the work queue's key. Set by rebuild. */
  key: string;
  namespace: string;
  name: string;
  /** The TuningJob's uid: a job re-created under the same name gets a fresh runtime. Read by job.ts. */
  uid: string;
  /** The generation `spec` and `tuner` were built from. Written by rebuild/respec; read by job.ts to spot a spec edit. */
  generation: number;
  spec: TuningJobSpec;
  /** The job's engine: every trial's phase, curve and metrics. Written by rebuild/respec; driven by every module. */
  tuner: Tuner;
  /** Finished trials of earlier jobs the search was told first (status.warmStart). Written by rebuild; read by respec. */
  warm: readonly WarmObservation[];
  /** Set when the job's trials are resources of another kind (a Job, a TrainJob…). Written by job.ts (kind.ts) on every reconcile; read by trial-objects.ts. */
  workload?: Workload;
  /** Stops decided (early stopping or the job's end) whose Pods may still run. Written by act.ts; read by pods.ts (grace, exits), trials.ts, write-status.ts. */
  stops: Map<string, StopRequest>;
  /** An end the engine cannot see, e.g. a Pod template the API server refuses. Written by act.ts `fail`; read by job.ts, write-status.ts. */
  fatal?: JobEnd;
  /** Trials whose Pod was seen (or stored as Running): a missing Pod then means it was deleted. Written by pods.ts, rebuild; read by pods.ts. */
  podSeen: Set<string>;
  /** Pods this controller created, which the informer may not show yet. Written and read by trials.ts. */
  podsCreated: Set<string>;
  /** Trials seen in the informer: a seen Trial that disappears was deleted by hand. Written by rebuild, trials.ts; read by trials.ts. */
  trialSeen: Set<string>;
  /** Trial UIDs (owners of their Pods and Secrets), from creation or the informer; a trial without one has no Trial object of ours. Written by trials.ts, rebuild; read by trials.ts, write-status.ts, act.ts (Events), metrics-target.ts (report keys). */
  trialUids: Map<string, string>;
  /** When a finished or vanished Pod was first seen, to wait at most settleMs for its last reports. Written and read by pods.ts. */
  exitSeenAt: Map<string, number>;
  /** Last Trial status written (the informer may lag behind our own writes). Written by write-status.ts, rebuild, trials.ts (a Trial deleted by hand); read by write-status.ts. */
  written: Map<string, WrittenStatus>;
  /** Last job status written. Written by write-status.ts; read by write-status.ts. */
  jobWritten?: TuningJobStatus;
  /** Finished trials already counted in metrics and reported in Events. Written by rebuild, write-status.ts; read by write-status.ts. */
  counted: Set<string>;
  /** Trials with reports applied since their status was last computed. Written by metrics-target.ts (apply) and write-status.ts; read by write-status.ts. */
  reported: Set<string>;
  /** A report led to a decision (a stop) since the last reconcile, which must act on it (the Pod's deletion). Written by metrics-target.ts, write-status.ts, job.ts (reset); read by metrics-target.ts (persist). */
  decided: boolean;
  /** Exited trials waiting for their last reports: a persist wakes the job, so they finish once those are in. Written by pods.ts; read by metrics-target.ts (persist). */
  awaitingReports: Set<string>;
  /** The last error evaluating a resource trial's conditions, per trial, so that it is logged when it changes, not at every reconcile. Written and read by trial-objects.ts. */
  conditionErrors: Map<string, string>;
}
