import type { KubernetesObject } from "@kubernetes/client-node";
import type { NatsConnection } from "@nats-io/transport-node";
import type { KeyedTrial } from "../api/report-signature.ts";
import { startIngest, type Ingest } from "../ingest/consumer.ts";
import { createTrialChannel } from "../ingest/trial-channel.ts";
import { errorText, type Logger } from "../telemetry/log.ts";
import type { ControllerMetrics } from "../telemetry/metrics.ts";
import type { Reachability } from "../telemetry/reachability.ts";
import { kubeApi } from "./api.ts";
import { whenSynced } from "./cache-sync.ts";
import type { ControllerConfig } from "./config.ts";
import { withEventQueue } from "./events.ts";
import { startCache } from "./informers.ts";
import { keepTrying } from "./keep-trying.ts";
import type { PooledKubeConfig } from "./kubeconfig.ts";
import { JOB_LABEL } from "./objects.ts";
import { withReconcileMetrics } from "./reconcile-metrics.ts";
import { createReconciler } from "./reconcile/reconciler.ts";
import type { TrialChannel } from "./trial-channel.ts";
import type { TrialDefaults } from "./trial-defaults.ts";
import { startWorkQueue } from "./workqueue.ts";
import { startWorkloads } from "./workloads.ts";

/** Event creates in flight at once, and Events waiting before new ones are dropped (see events.ts). */
const EVENTS_IN_FLIGHT = 4;
const EVENT_BACKLOG = 1000;
/** Pause between two attempts to start metric ingestion. */
const INGEST_RETRY_MS = 2000;

/** What the leader runs. */
export interface Leading {
  /** Every informer has listed once. */
  synced(): boolean;
  /** Stops ingesting, reconciling and watching, in that order. */
  stop(): Promise<void>;
}

/** What leading needs from the process: configuration, clients and the telemetry to report on. */
export interface LeadingDeps {
  config: ControllerConfig;
  kc: PooledKubeConfig;
  nc: NatsConnection;
  metrics: ControllerMetrics;
  log: Logger;
  /** A sampled logger for failures that repeat while the API server or NATS is away. */
  retries: Logger;
  apiserver: Reachability;
  trialDefaults: TrialDefaults;
  reportKey?: (t: KeyedTrial) => string;
  /** The signing key reports are verified with; none when verification is off. */
  verifyKey?: Uint8Array;
}

/**
 * Starts what the leader runs: informers on TuningJobs, Trials, trial Pods (and the trial resources
 * jobs use) feeding the work queue,
 * the reconciler, and, once the caches have synced, every job queued and metric ingestion started
 * (retried until it starts).
 */
export function startLeading(o: LeadingDeps): Leading {
  const { config, metrics, log } = o;
  const queue = startWorkQueue((key) => reconcile(key), {
    workers: config.workers,
    hooks: {
      depth: (n) => metrics.queueDepth.set({ name: "tuningjob" }, n),
      added: () => metrics.queueAdds.inc({ name: "tuningjob" }),
      retried: () => metrics.queueRetries.inc({ name: "tuningjob" }),
      waited: (s) => metrics.queueLatency.observe({ name: "tuningjob" }, s),
      worked: (s) => metrics.queueWorkDuration.observe({ name: "tuningjob" }, s),
    },
    onError: (key, e, attempt) => {
      metrics.reconcileErrors.inc({ controller: "tuningjob" });
      metrics.reconcileTotal.inc({ controller: "tuningjob", result: "error" });
      o.retries.error("reconcile failed; will retry", { key, attempt, error: errorText(e) });
    },
  });
  let stopped = false;
  let ingest: Ingest | undefined;
  const enqueueOwner = (obj: KubernetesObject): void => {
    const job = obj.metadata?.labels?.[JOB_LABEL];
    if (job && obj.metadata?.namespace) queue.add(`${obj.metadata.namespace}/${job}`);
  };
  const jobs = startCache<KubernetesObject>(o.kc, "tuningjobs", config.namespaces, (j) => j.metadata?.namespace && j.metadata.name && queue.add(`${j.metadata.namespace}/${j.metadata.name}`), log);
  const trials = startCache<KubernetesObject>(o.kc, "trials", config.namespaces, enqueueOwner, log);
  const pods = startCache<KubernetesObject>(o.kc, "pods", config.namespaces, enqueueOwner, log);
  const caches = [jobs, trials, pods];
  // Caches of trial resources (Jobs, TrainJobs…) start when a job first needs their kind.
  const workloads = startWorkloads(o.kc, config.namespaces, enqueueOwner, log, o.apiserver);
  const synced = (): boolean => caches.every((c) => c.synced());
  const channel: TrialChannel = createTrialChannel(o.nc, () => ingest);
  const reconciler = createReconciler({
    api: withEventQueue(kubeApi(o.kc, "kubetune-controller", config.identity, o.apiserver), { inFlight: EVENTS_IN_FLIGHT, backlog: EVENT_BACKLOG, log }),
    jobs,
    trials,
    pods,
    workloads,
    channel,
    trialNatsUrl: config.trialNatsUrl ?? config.natsUrl.split(",")[0] ?? config.natsUrl,
    trialDefaults: o.trialDefaults,
    ...(o.reportKey ? { reportKey: o.reportKey } : {}),
    enqueue: (key) => queue.add(key),
    metrics,
    log,
    stopGraceMs: config.stopGraceSeconds * 1000,
    settleMs: config.settleSeconds * 1000,
    synced,
  });
  const reconcile = withReconcileMetrics(reconciler.reconcile, metrics);

  const afterSync = async (): Promise<void> => {
    if (!(await whenSynced(caches, () => stopped))) return;
    log.info("caches synced; reconciling every job", { namespaces: config.namespaces.join(",") || "*" });
    const scopes = config.namespaces.length === 0 ? [""] : config.namespaces;
    for (const ns of scopes) for (const j of jobs.list(ns)) if (j.metadata?.name) queue.add(`${j.metadata.namespace}/${j.metadata.name}`);
    const streamLimits = { maxAgeSeconds: config.streamMaxAgeSeconds, maxBytes: config.streamMaxBytes, maxMessagesPerSubject: config.streamMaxMessagesPerSubject };
    const started = await keepTrying(() => startIngest({ nc: o.nc, durable: config.consumer, namespaces: config.namespaces, target: reconciler.target, metrics, log, streamLimits, ...(o.verifyKey ? { signingKey: o.verifyKey } : {}) }), {
      stopped: () => stopped,
      failed: (e) => o.retries.warn("starting metric ingestion failed; retrying", { error: errorText(e) }),
      delayMs: INGEST_RETRY_MS,
    });
    if (started && stopped) await started.stop();
    else if (started) ingest = started;
  };
  afterSync().catch((e: unknown) => log.error("starting the controller loop failed", { error: errorText(e) }));

  return {
    synced,
    stop: async () => {
      stopped = true;
      await ingest?.stop();
      await queue.shutdown();
      await Promise.all([...caches.map((c) => c.stop()), workloads.stop()]);
    },
  };
}
