import { trialReportKey, type KeyedTrial } from "../api/report-signature.ts";
import { connectNats, natsOptions, type NatsSettings, type TrackedConnection } from "../ingest/nats.ts";
import { createLogger, sampled, type Logger } from "../telemetry/log.ts";
import { createMetrics, type ControllerMetrics } from "../telemetry/metrics.ts";
import { createReachability } from "../telemetry/reachability.ts";
import { livenessChecks, startTelemetryServer, type Check } from "../telemetry/server.ts";
import type { ControllerConfig } from "./config.ts";
import { PooledKubeConfig } from "./kubeconfig.ts";
import { startElection, type Election } from "./leader.ts";
import { startLeading, type Leading } from "./leading.ts";
import { probeApiServer, retryUntil } from "./startup.ts";
import { loadTrialDefaults } from "./trial-defaults.ts";

/** A running controller. */
export interface Controller {
  /** Port of /metrics, /healthz and /readyz. */
  port: number;
  metrics: ControllerMetrics;
  isLeader(): boolean;
  /** Graceful shutdown: stop reconciling and ingesting, release the lease, close NATS and HTTP. */
  stop(): Promise<void>;
}

/** The NATS settings of the configuration; unset ones are left out. */
function natsSettings(c: ControllerConfig): NatsSettings {
  const { natsUser: user, natsPassword: password, natsToken: token, natsCredsFile: credsFile, natsTlsCaFile: tlsCaFile, natsTlsCertFile: tlsCertFile, natsTlsKeyFile: tlsKeyFile } = c;
  const set = Object.entries({ user, password, token, credsFile, tlsCaFile, tlsCertFile, tlsKeyFile }).filter((e): e is [string, string] => e[1] !== undefined);
  return { ...Object.fromEntries(set), url: c.natsUrl };
}

/**
 * Starts the controller: HTTP endpoints, the API server and NATS (each waited for at most
 * --startup-timeout; `signal` cuts the wait short with StartupAborted), leader election; the leader
 * runs informers, the work queue and ingestion (leading.ts).
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
  let active: Leading | undefined;
  let election: Election | undefined;

  const checks = (): Check[] => [
    { name: "nats", check: () => (nats?.connected() ? { ok: true } : { ok: false, detail: `not connected to ${config.natsUrl}` }) },
    {
      name: "informers",
      check: () => {
        if (!election?.isLeader()) return { ok: true };
        return active?.synced() ? { ok: true } : { ok: false, detail: "caches not synced yet" };
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
    const natsOpts = natsOptions(natsSettings(config));
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
  const verifyKey = signingKey && config.verifyReports ? signingKey : undefined;

  const standDown = async (): Promise<void> => {
    const a = active;
    active = undefined;
    await a?.stop();
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
      active = startLeading({ config, kc, nc, metrics, log, retries, apiserver, trialDefaults, ...(reportKey ? { reportKey } : {}), ...(verifyKey ? { verifyKey } : {}) });
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
