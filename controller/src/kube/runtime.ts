import type { TrialStatus } from "../api/trial.ts";
import type { TuningJobSpec, TuningJobStatus } from "../api/tuningjob.ts";
import type { JobEnd } from "../engine/job.ts";
import type { Tuner } from "../engine/tuner.ts";
import type { StopRequest } from "./status.ts";

/** What the controller keeps in memory for one job; all of it can be rebuilt from the job's Trial objects. */
export interface JobRuntime {
  key: string;
  namespace: string;
  name: string;
  uid: string;
  generation: number;
  spec: TuningJobSpec;
  tuner: Tuner;
  /** Stops decided (early stopping or the job's end) whose Pods may still run. */
  stops: Map<string, StopRequest>;
  /** When a finished Pod was first seen, to wait for its last reports before judging it. */
  exitSeenAt: Map<string, number>;
  /** Exited trials waiting for their last reports: a persist wakes the job, so they finish once those are in. */
  awaitingReports: Set<string>;
  /** A report led to a decision (a stop) since the last reconcile, which must act on it (the Pod's deletion). */
  decided: boolean;
  /** Trials whose Pod was seen (or stored as Running): a missing Pod then means it was deleted. */
  podSeen: Set<string>;
  /** Trials seen in the informer: a seen Trial that disappears was deleted by hand. */
  trialSeen: Set<string>;
  /** Pods this controller created, which the informer may not show yet. */
  podsCreated: Set<string>;
  /** Trial UIDs (owners of their Pods), from creation or the informer. */
  trialUids: Map<string, string>;
  /** Finished trials already counted in metrics and reported in Events. */
  counted: Set<string>;
  /** Last Trial status written (the informer may lag behind our own writes). */
  written: Map<string, TrialStatus>;
  /** Phase, reason and stop each written status was computed from; with no report since, it would come out the same. */
  writtenFrom: Map<string, string>;
  /** Trials with reports applied since their status was last computed. */
  reported: Set<string>;
  jobWritten?: TuningJobStatus;
  /** An end the engine cannot see, e.g. a Pod template the API server refuses. */
  fatal?: JobEnd;
}
