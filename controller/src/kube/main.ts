import type { KubernetesObject } from "@kubernetes/client-node";
import { trialReportKey, type KeyedTrial } from "../api/report-signature.ts";
import { connectNats, type TrackedConnection } from "../ingest/nats.ts";
import { startIngest, type Ingest } from "../ingest/consumer.ts";
import { publishStop } from "../ingest/control.ts";
import { createLogger, errorText, type Logger } from "../telemetry/log.ts";
import { createMetrics, type ControllerMetrics } from "../telemetry/metrics.ts";
import { startTelemetryServer, type Check } from "../telemetry/server.ts";
import { kubeApi } from "./api.ts";
import { parseConfig, type ControllerConfig } from "./config.ts";
import { withEventQueue } from "./events.ts";
import { startCache, type Cache } from "./informers.ts";
import { PooledKubeConfig } from "./kubeconfig.ts";
import { startElection, type Election } from "./leader.ts";
import { JOB_LABEL } from "./objects.ts";
import { createReconciler } from "./reconciler.ts";
import { loadTrialDefaults } from "./trial-defaults.ts";
import { startWorkQueue, type WorkQueue } from "./workqueue.ts";

/** Event creates in flight at once, and Events waiting before new ones are dropped (see events.ts). */
const EVENTS_IN_FLIGHT = 4;
const EVENT_BACKLOG = 1000;

/** A running controller. */
export interface Controller {
  /** Port of /metrics, /healthz and /readyz. */
  port: number;
  metrics: ControllerMetrics;
  isLeader(): boolean;
  /** Graceful shutdown: stop reconciling and ingesting, release the lease, close NATS and HTTP. */
  stop(): Promise<void>;
}

interface Active {
  caches: Cache<KubernetesObject>[];
  queue: WorkQueue;
  ingest?: Ingest;
  stopped: boolean;
}

/** Starts the controller: HTTP endpoints, NATS, leader election; the leader runs informers, the work queue and ingestion. */
export async function startController(config: ControllerConfig, log: Logger = createLogger(config.logLevel)): Promise<Controller> {
  if (config.verifyReports && config.signingKey === undefined) {
    throw new Error("no signing key: set KUBETUNE_SIGNING_KEY_FILE to a file of at least 32 random bytes (the Helm chart generates one), or turn sender verification off with --verify-reports=false, which lets any trial forge any trial's metrics");
  }
  const signingKey = config.signingKey === undefined ? undefined : Buffer.from(config.signingKey);
  const reportKey = signingKey ? (t: KeyedTrial): string => trialReportKey(signingKey, t) : undefined;
  if (!config.verifyReports) log.warn("sender verification is off: reports are accepted without their trial's signature, so any trial can forge any trial's metrics");
  // Read first: a bad defaults file is a configuration error, refused before anything connects.
  const trialDefaults = config.trialDefaults ? loadTrialDefaults(config.trialDefaults) : {};
  const metrics = createMetrics();
  const kc = new PooledKubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromDefault();
  let nats: TrackedConnection | undefined;
  let active: Active | undefined;
  let election: Election | undefined;

  const checks = (): Check[] => [
    { name: "nats", check: () => (nats?.connected() ? { ok: true } : { ok: false, detail: `not connected to ${config.natsUrl}` }) },
    {
      name: "informers",
      check: () => {
        if (!election?.isLeader()) return { ok: true };
        return active && active.caches.every((c) => c.synced()) ? { ok: true } : { ok: false, detail: "caches not synced yet" };
      },
    },
  ];
  const server = await startTelemetryServer({ port: config.metricsPort, host: config.metricsHost, registry: metrics.registry, checks });
  log.info("serving /metrics, /healthz and /readyz", { port: server.port });

  try {
    nats = await connectNats(
      {
        url: config.natsUrl,
        ...(config.natsUser !== undefined ? { user: config.natsUser } : {}),
        ...(config.natsPassword !== undefined ? { password: config.natsPassword } : {}),
        ...(config.natsToken !== undefined ? { token: config.natsToken } : {}),
        ...(config.natsCredsFile !== undefined ? { credsFile: config.natsCredsFile } : {}),
        ...(config.natsTlsCaFile !== undefined ? { tlsCaFile: config.natsTlsCaFile } : {}),
        ...(config.natsTlsCertFile !== undefined ? { tlsCertFile: config.natsTlsCertFile } : {}),
        ...(config.natsTlsKeyFile !== undefined ? { tlsKeyFile: config.natsTlsKeyFile } : {}),
      },
      log,
      (up) => metrics.natsConnected.set(up ? 1 : 0),
    );
  } catch (e) {
    // A bad NATS setting (an unreadable creds file…) must not leave the metrics server holding the process.
    await server.close();
    throw e;
  }
  const nc = nats.nc;

  const lead = (): Active => {
    const q = startWorkQueue((key) => reconciler.reconcile(key), {
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
        log.error("reconcile failed; will retry", { key, attempt, error: errorText(e) });
      },
    });
    const a: Active = { caches: [], queue: q, stopped: false };
    const enqueueOwner = (o: KubernetesObject): void => {
      const job = o.metadata?.labels?.[JOB_LABEL];
      if (job && o.metadata?.namespace) q.add(`${o.metadata.namespace}/${job}`);
    };
    const jobs = startCache<KubernetesObject>(kc, "tuningjobs", config.namespaces, (o) => o.metadata?.namespace && o.metadata.name && q.add(`${o.metadata.namespace}/${o.metadata.name}`), log);
    const trials = startCache<KubernetesObject>(kc, "trials", config.namespaces, enqueueOwner, log);
    const pods = startCache<KubernetesObject>(kc, "pods", config.namespaces, enqueueOwner, log);
    a.caches = [jobs, trials, pods];
    const reconciler = createReconciler({
      api: withEventQueue(kubeApi(kc, "kubetune-controller", config.identity), { inFlight: EVENTS_IN_FLIGHT, backlog: EVENT_BACKLOG, log }),
      jobs,
      trials,
      pods,
      trialNatsUrl: config.trialNatsUrl ?? config.natsUrl.split(",")[0] ?? config.natsUrl,
      trialDefaults,
      ...(reportKey ? { reportKey } : {}),
      publishStop: async (addr, reason) => {
        publishStop(nc, addr, reason);
      },
      caughtUp: async (addr, t) => (a.ingest ? a.ingest.caughtUpSince(t) || (await a.ingest.trialCaughtUp(addr)) : false),
      enqueue: (key) => q.add(key),
      metrics,
      log,
      stopGraceMs: config.stopGraceSeconds * 1000,
      settleMs: config.settleSeconds * 1000,
      synced: () => a.caches.every((c) => c.synced()),
    });
    const timed = reconciler.reconcile;
    reconciler.reconcile = async (key) => {
      const started = performance.now();
      const outcome = await timed(key);
      metrics.reconcileTime.observe({ controller: "tuningjob" }, (performance.now() - started) / 1000);
      metrics.reconcileTotal.inc({ controller: "tuningjob", result: outcome.requeueAfterMs === undefined ? "success" : "requeue_after" });
      return outcome;
    };
    void (async () => {
      while (!a.stopped && !a.caches.every((c) => c.synced())) await new Promise((r) => setTimeout(r, 100));
      if (a.stopped) return;
      log.info("caches synced; reconciling every job", { namespaces: config.namespaces.join(",") || "*" });
      const scopes = config.namespaces.length === 0 ? [""] : config.namespaces;
      for (const ns of scopes) for (const j of jobs.list(ns)) if (j.metadata?.name) q.add(`${j.metadata.namespace}/${j.metadata.name}`);
      for (;;) {
        try {
          const ingest = await startIngest({ nc, durable: config.consumer, namespaces: config.namespaces, target: reconciler, metrics, log, ...(signingKey && config.verifyReports ? { signingKey } : {}) });
          if (a.stopped) await ingest.stop();
          else a.ingest = ingest;
          return;
        } catch (e) {
          if (a.stopped) return;
          log.warn("starting metric ingestion failed; retrying", { error: errorText(e) });
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
    })().catch((e: unknown) => log.error("starting the controller loop failed", { error: errorText(e) }));
    return a;
  };

  const standDown = async (): Promise<void> => {
    const a = active;
    active = undefined;
    if (!a) return;
    a.stopped = true;
    await a.ingest?.stop();
    await a.queue.shutdown();
    await Promise.all(a.caches.map((c) => c.stop()));
  };

  election = startElection({
    kc,
    namespace: config.leaseNamespace,
    name: config.leaseName,
    identity: config.identity,
    timing: { durationMs: config.leaseDurationSeconds * 1000, renewMs: config.renewSeconds * 1000, retryMs: config.retrySeconds * 1000 },
    log,
    onLead: () => {
      metrics.leader.set(1);
      active = lead();
    },
    onLose: () => {
      metrics.leader.set(0);
      void standDown();
    },
  });

  return {
    port: server.port,
    metrics,
    isLeader: () => election?.isLeader() ?? false,
    stop: async () => {
      log.info("shutting down");
      await standDown();
      await election?.stop();
      metrics.leader.set(0);
      await nats?.close();
      await server.close();
      log.info("stopped");
    },
  };
}

/** `kubetune controller [--flag=value...]`: runs until SIGTERM/SIGINT, then shuts down gracefully. */
export async function controllerCommand(argv: readonly string[], err: (line: string) => void): Promise<number> {
  let config: ControllerConfig;
  try {
    config = parseConfig(argv, process.env);
  } catch (e) {
    err(`kubetune controller: ${errorText(e)}`);
    return 2;
  }
  const log = createLogger(config.logLevel);
  let controller: Controller;
  try {
    controller = await startController(config, log);
  } catch (e) {
    err(`kubetune controller: ${errorText(e)}`);
    return 2;
  }
  await new Promise<void>((resolve) => {
    const done = (signal: string): void => {
      log.info("signal received", { signal });
      resolve();
    };
    process.once("SIGTERM", () => done("SIGTERM"));
    process.once("SIGINT", () => done("SIGINT"));
  });
  await controller.stop();
  return 0;
}
