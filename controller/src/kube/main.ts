import type { KubernetesObject } from "@kubernetes/client-node";
import { trialReportKey, type KeyedTrial } from "../api/report-signature.ts";
import { connectNats, natsOptions, type TrackedConnection } from "../ingest/nats.ts";
import { startIngest, type Ingest } from "../ingest/consumer.ts";
import { publishStop } from "../ingest/control.ts";
import { createLogger, errorText, sampled, type Logger } from "../telemetry/log.ts";
import { createMetrics, type ControllerMetrics } from "../telemetry/metrics.ts";
import { createReachability } from "../telemetry/reachability.ts";
import { livenessChecks, startTelemetryServer, type Check } from "../telemetry/server.ts";
import { kubeApi } from "./api.ts";
import { controllerUsage, parseConfig, type ControllerConfig } from "./config.ts";
import { withEventQueue } from "./events.ts";
import { startCache, type Cache } from "./informers.ts";
import { PooledKubeConfig } from "./kubeconfig.ts";
import { startElection, type Election } from "./leader.ts";
import { StartupAborted, StartupTimedOut, probeApiServer, retryUntil } from "./startup.ts";
import { JOB_LABEL } from "./objects.ts";
import { createReconciler, metricsTargetOf } from "./reconciler.ts";
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

/**
 * Starts the controller: HTTP endpoints, the API server and NATS (each waited for at most
 * --startup-timeout; `signal` cuts the wait short with StartupAborted), leader election; the leader
 * runs informers, the work queue and ingestion.
 */
export async function startController(config: ControllerConfig, log: Logger = createLogger(config.logLevel), signal?: AbortSignal): Promise<Controller> {
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
  // What the API server and NATS answer to the calls made anyway (lease, writes, the connection's state).
  const apiserver = createReachability();
  const natsReach = createReachability();
  // Unreachable until the first connection: a NATS that never answers fails /healthz too.
  natsReach.missed(`not connected to ${config.natsUrl} yet`);
  const liveness = livenessChecks([{ name: "apiserver", reachability: apiserver }, { name: "nats", reachability: natsReach }], config.unhealthyAfterSeconds * 1000);
  const server = await startTelemetryServer({ port: config.metricsPort, host: config.metricsHost, registry: metrics.registry, checks, liveness: () => liveness });
  log.info("serving /metrics, /healthz and /readyz", { port: server.port });

  const server0 = kc.getCurrentCluster()?.server ?? "";
  const wait = { timeoutMs: config.startupTimeoutSeconds * 1000, log, ...(signal ? { signal } : {}) };
  try {
    // Built once, before waiting: a bad setting (an unreadable creds file…) is refused at once, not retried.
    const natsOpts = natsOptions({
      url: config.natsUrl,
      ...(config.natsUser !== undefined ? { user: config.natsUser } : {}),
      ...(config.natsPassword !== undefined ? { password: config.natsPassword } : {}),
      ...(config.natsToken !== undefined ? { token: config.natsToken } : {}),
      ...(config.natsCredsFile !== undefined ? { credsFile: config.natsCredsFile } : {}),
      ...(config.natsTlsCaFile !== undefined ? { tlsCaFile: config.natsTlsCaFile } : {}),
      ...(config.natsTlsCertFile !== undefined ? { tlsCertFile: config.natsTlsCertFile } : {}),
      ...(config.natsTlsKeyFile !== undefined ? { tlsKeyFile: config.natsTlsKeyFile } : {}),
    });
    await retryUntil({ what: "the API server", address: server0, hint: "Check --kubeconfig (or the in-cluster ServiceAccount) and that the API server runs." }, () => probeApiServer(kc, signal), wait);
    apiserver.reached();
    log.info("the API server answers", { server: server0 });
    nats = await retryUntil({ what: "NATS", address: config.natsUrl, hint: "Check --nats-url / KUBETUNE_NATS_URL and that nats-server runs." }, () => connectNats(natsOpts, log, (up) => {
      metrics.natsConnected.set(up ? 1 : 0);
      if (up) natsReach.reached();
      else natsReach.missed(`the connection to ${config.natsUrl} is down`);
    }), wait);
  } catch (e) {
    // Unreachable past the timeout, a signal, or a bad NATS setting: the metrics server must not hold the process.
    await server.close();
    throw e;
  }
  const nc = nats.nc;

  // Retries repeat for every job while the API server or NATS is away: the first lines, then counts.
  const retries = sampled(log, { keys: [] });

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
        retries.error("reconcile failed; will retry", { key, attempt, error: errorText(e) });
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
      api: withEventQueue(kubeApi(kc, "kubetune-controller", config.identity, apiserver), { inFlight: EVENTS_IN_FLIGHT, backlog: EVENT_BACKLOG, log }),
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
          const streamLimits = { maxAgeSeconds: config.streamMaxAgeSeconds, maxBytes: config.streamMaxBytes, maxMessagesPerSubject: config.streamMaxMessagesPerSubject };
          const ingest = await startIngest({ nc, durable: config.consumer, namespaces: config.namespaces, target: metricsTargetOf(reconciler), metrics, log, streamLimits, ...(signingKey && config.verifyReports ? { signingKey } : {}) });
          if (a.stopped) await ingest.stop();
          else a.ingest = ingest;
          return;
        } catch (e) {
          if (a.stopped) return;
          retries.warn("starting metric ingestion failed; retrying", { error: errorText(e) });
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
    reachability: apiserver,
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

/**
 * `kubetune controller [--flag=value...]`: runs until SIGTERM/SIGINT, then shuts down gracefully. The
 * signal handlers come first, so a controller still waiting for NATS or the API server stops at once
 * (as PID 1 in a container nothing else would stop it); `signalledEarly` says one came even before
 * (while the CLI loaded this module). Exit codes: 0 after a signal, 2 for a bad
 * setting, 1 when start-up fails (unreachable past --startup-timeout).
 */
export async function controllerCommand(argv: readonly string[], io: { out(line: string): void; err(line: string): void }, signalledEarly?: AbortSignal): Promise<number> {
  if (argv.some((a) => a === "--help" || a === "-h")) {
    io.out(controllerUsage());
    return 0;
  }
  let config: ControllerConfig;
  try {
    config = parseConfig(argv, process.env);
  } catch (e) {
    io.err(`kubetune controller: ${errorText(e)}`);
    return 2;
  }
  const log = createLogger(config.logLevel);
  const stopping = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info("signal received", { signal });
    stopping.abort();
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  // A signal that came while this module was loading (the CLI caught it).
  if (signalledEarly?.aborted) {
    log.info("signal received while loading");
    stopping.abort();
  }
  try {
    let controller: Controller;
    try {
      controller = await startController(config, log, stopping.signal);
    } catch (e) {
      if (e instanceof StartupAborted) {
        log.info("stopped during start-up");
        return 0;
      }
      log.error("start-up failed", { error: errorText(e) });
      io.err(`kubetune controller: ${errorText(e)}`);
      // Unreachable is 1; anything else is a setting (an unreadable creds or trial-defaults file): 2.
      return e instanceof StartupTimedOut ? 1 : 2;
    }
    if (!stopping.signal.aborted) await new Promise((resolve) => stopping.signal.addEventListener("abort", resolve, { once: true }));
    await controller.stop();
    return 0;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}
