import type { KubernetesObject } from "@kubernetes/client-node";
import type { KeyedTrial } from "../../api/report-signature.ts";
import type { TuningJob } from "../../api/tuningjob.ts";
import type { Logger } from "../../telemetry/log.ts";
import type { ControllerMetrics } from "../../telemetry/metrics.ts";
import type { KubeApi } from "../api.ts";
import type { Cache } from "../informers.ts";
import type { TrialChannel } from "../trial-channel.ts";
import type { TrialDefaults } from "../trial-defaults.ts";
import type { Workloads } from "../workloads.ts";

/** What the reconciler works with: the informer caches it reads, the API it writes through, the channel to running trials. */
export interface ReconcileDeps {
  api: KubeApi;
  jobs: Cache<KubernetesObject>;
  trials: Cache<KubernetesObject>;
  pods: Cache<KubernetesObject>;
  /** Trials that are resources of other kinds (Jobs, TrainJobs…); without it only Pod trials run. */
  workloads?: Workloads;
  /** Stop requests and caught-up queries for running trials (metric ingestion implements it). */
  channel: TrialChannel;
  /** NATS URL given to trial Pods (KUBETUNE_NATS_URL). */
  trialNatsUrl: string;
  /** Cluster-wide defaults for trial Pods (image, GPU resources, node placement). */
  trialDefaults?: TrialDefaults;
  /** A trial's report key (api/report-signature.ts); without it trials get no key and report unsigned. */
  reportKey?: (t: KeyedTrial) => string;
  enqueue(key: string): void;
  metrics: ControllerMetrics;
  log: Logger;
  /** How long a stopped trial's Pod may take to exit before it is deleted. */
  stopGraceMs: number;
  /** Longest wait for a finished Pod's last reports before judging it. */
  settleMs: number;
  /** Every informer has listed once; before that a missing Pod or Trial means nothing. */
  synced(): boolean;
  now?: () => number;
}

/** The deps with the clock resolved, as the reconcile modules use them. */
export type Deps = ReconcileDeps & { now(): number };

/** The current time as an ISO string, from the deps' clock. */
export function isoNow(d: Deps): string {
  return new Date(d.now()).toISOString();
}

/**
 * API writes (creates, status patches) one reconcile has in flight at once. Sequential calls cap a job
 * at one trial per two round trips; a few in parallel let a wide job launch at the API server's pace
 * without flooding it.
 */
export const WRITES_IN_FLIGHT = 16;

/** A TuningJob read from the cache and validated, with the metadata the reconciler relies on. */
export type JobObject = TuningJob & { metadata: { name: string; namespace: string; uid: string; generation?: number } };
