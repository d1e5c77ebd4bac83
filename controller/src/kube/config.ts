import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { DEFAULT_STREAM_LIMITS } from "../api/metrics.ts";
import { MIN_SIGNING_KEY_BYTES } from "../api/report-signature.ts";

const seconds = (what: string) => z.coerce.number({ error: `must be a number of seconds (${what})` }).positive({ error: `must be > 0 (${what})` });

/** The controller's configuration, from flags (`--name=value`) over environment variables (KUBETUNE_*). */
export const ControllerConfig = z.object({
  namespaces: z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: "must be namespace names (DNS labels)" })).default([]),
  kubeconfig: z.string().optional(),
  natsUrl: z.string().regex(/^(nats|tls):\/\//, { error: "must be a nats:// or tls:// URL (a comma-separated list is allowed)" }).default("nats://nats:4222"),
  trialNatsUrl: z.string().optional(),
  natsUser: z.string().optional(),
  natsPassword: z.string().optional(),
  natsToken: z.string().optional(),
  natsCredsFile: z.string().optional(),
  natsTlsCaFile: z.string().optional(),
  natsTlsCertFile: z.string().optional(),
  natsTlsKeyFile: z.string().optional(),
  consumer: z.string().regex(/^[A-Za-z0-9_-]+$/, { error: "must be a JetStream consumer name (letters, digits, - and _)" }).default("kubetune-controller"),
  metricsPort: z.coerce.number({ error: "must be a port number (0-65535; 0 picks a free one)" }).int().min(0).max(65535).default(8080),
  metricsHost: z.string().default("0.0.0.0"),
  leaseName: z.string().min(1).default("kubetune-controller"),
  leaseNamespace: z.string().min(1).default("default"),
  identity: z.string().min(1).default(`${hostname()}-${randomBytes(3).toString("hex")}`),
  leaseDurationSeconds: seconds("lease duration").default(15),
  renewSeconds: seconds("lease renew interval").default(5),
  retrySeconds: seconds("lease retry interval").default(2),
  workers: z.coerce.number({ error: "must be a whole number of workers (1-64)" }).int().min(1).max(64).default(4),
  stopGraceSeconds: seconds("grace before a stopped trial's Pod is deleted").default(15),
  // Longer than the consumer's ack wait (10 s), so reports a crashed controller held are redelivered in time.
  settleSeconds: seconds("wait for a finished Pod's last reports").default(30),
  /** Limits of the KUBETUNE_METRICS stream (applied when the controller creates or finds it). */
  streamMaxAgeSeconds: z.coerce.number({ error: "must be a whole number of seconds (stream max age)" }).int().min(60, { error: "must be at least 60 s (stream max age)" }).default(DEFAULT_STREAM_LIMITS.maxAgeSeconds),
  streamMaxBytes: z.coerce.number({ error: "must be a whole number of bytes (stream max bytes)" }).int().min(1024 * 1024, { error: "must be at least 1 MiB (stream max bytes)" }).default(DEFAULT_STREAM_LIMITS.maxBytes),
  streamMaxMessagesPerSubject: z.coerce.number({ error: "must be a whole number of reports (stream max per trial)" }).int().min(10, { error: "must be at least 10 (stream max per trial)" }).default(DEFAULT_STREAM_LIMITS.maxMessagesPerSubject),
  /** /healthz fails once the API server or NATS has been unreachable this long, so Kubernetes restarts the controller. */
  unhealthyAfterSeconds: seconds("how long the API server or NATS may be unreachable before /healthz fails").default(60),
  /** JSON file of trial Pod defaults (the chart mounts its ConfigMap here); see trial-defaults.ts. */
  trialDefaults: z.string().min(1).optional(),
  logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
  // Long enough for a bundled NATS to come up with the chart; a controller that cannot reach either by then exits 1, and Kubernetes shows and restarts it.
  startupTimeoutSeconds: seconds("longest wait at start for the API server and NATS").default(120),
  /** The key every trial's report key is derived from (api/report-signature.ts); from env or a mounted file only. */
  signingKey: z.string().refine((k) => Buffer.byteLength(k) >= MIN_SIGNING_KEY_BYTES, { error: `must be at least ${MIN_SIGNING_KEY_BYTES} bytes (e.g. head -c 48 /dev/urandom | base64)` }).optional(),
  /** Refuse reports not signed with their trial's key; off lets any trial forge any trial's metrics (docs/install.md, Security). */
  verifyReports: z.enum(["true", "false"], { error: 'must be "true" or "false"' }).default("true").transform((v) => v === "true"),
}).refine((c) => c.renewSeconds < c.leaseDurationSeconds, { path: ["renewSeconds"], error: "must be shorter than leaseDurationSeconds" });
export type ControllerConfig = z.infer<typeof ControllerConfig>;

const FLAGS: Record<string, keyof ControllerConfig> = {
  namespaces: "namespaces", kubeconfig: "kubeconfig", "nats-url": "natsUrl", "trial-nats-url": "trialNatsUrl", consumer: "consumer",
  "metrics-port": "metricsPort", "metrics-host": "metricsHost", "lease-name": "leaseName", "lease-namespace": "leaseNamespace", identity: "identity",
  "lease-duration": "leaseDurationSeconds", "lease-renew": "renewSeconds", "lease-retry": "retrySeconds", workers: "workers",
  "stop-grace": "stopGraceSeconds", settle: "settleSeconds", "unhealthy-after": "unhealthyAfterSeconds",
  "stream-max-age": "streamMaxAgeSeconds", "stream-max-bytes": "streamMaxBytes", "stream-max-msgs-per-subject": "streamMaxMessagesPerSubject", "trial-defaults": "trialDefaults", "log-level": "logLevel",
  "startup-timeout": "startupTimeoutSeconds", "verify-reports": "verifyReports",
};

// Secrets come from env or mounted files only, never flags (flags show up in `ps`).
const ENV: Record<string, keyof ControllerConfig> = {
  KUBETUNE_NAMESPACES: "namespaces", KUBECONFIG: "kubeconfig", KUBETUNE_NATS_URL: "natsUrl", KUBETUNE_TRIAL_NATS_URL: "trialNatsUrl",
  KUBETUNE_NATS_USER: "natsUser", KUBETUNE_NATS_PASSWORD: "natsPassword", KUBETUNE_NATS_TOKEN: "natsToken", KUBETUNE_NATS_CREDS_FILE: "natsCredsFile",
  KUBETUNE_NATS_TLS_CA_FILE: "natsTlsCaFile", KUBETUNE_NATS_TLS_CERT_FILE: "natsTlsCertFile", KUBETUNE_NATS_TLS_KEY_FILE: "natsTlsKeyFile",
  KUBETUNE_CONSUMER: "consumer", KUBETUNE_METRICS_PORT: "metricsPort", KUBETUNE_LEASE_NAME: "leaseName", POD_NAMESPACE: "leaseNamespace",
  KUBETUNE_LEASE_NAMESPACE: "leaseNamespace", POD_NAME: "identity", KUBETUNE_LOG_LEVEL: "logLevel", KUBETUNE_TRIAL_DEFAULTS: "trialDefaults",
  KUBETUNE_UNHEALTHY_AFTER_SECONDS: "unhealthyAfterSeconds", KUBETUNE_STREAM_MAX_AGE_SECONDS: "streamMaxAgeSeconds",
  KUBETUNE_STREAM_MAX_BYTES: "streamMaxBytes", KUBETUNE_STREAM_MAX_MSGS_PER_SUBJECT: "streamMaxMessagesPerSubject",
  KUBETUNE_STARTUP_TIMEOUT: "startupTimeoutSeconds",
  KUBETUNE_SIGNING_KEY: "signingKey", KUBETUNE_VERIFY_REPORTS: "verifyReports",
};

/** Secret values that may instead be given as a path in `<NAME>_FILE` (a mounted Secret). */
const FILE_ENV: Record<string, keyof ControllerConfig> = {
  KUBETUNE_NATS_USER_FILE: "natsUser", KUBETUNE_NATS_PASSWORD_FILE: "natsPassword", KUBETUNE_NATS_TOKEN_FILE: "natsToken",
  KUBETUNE_SIGNING_KEY_FILE: "signingKey",
};

/** Parses the configuration from argv and env; throws an error naming every bad setting and how to fix it. */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ControllerConfig {
  const raw: Record<string, unknown> = {};
  for (const [k, key] of Object.entries(ENV)) if (env[k] !== undefined && env[k] !== "") raw[key] = env[k];
  for (const [k, key] of Object.entries(FILE_ENV)) {
    const path = env[k];
    if (!path) continue;
    try {
      raw[key] = readFileSync(path, "utf8").trim();
    } catch (e) {
      throw new Error(`${k}=${path}: cannot read the file (${(e as Error).message}); mount the Secret there or unset ${k}`);
    }
  }
  for (const arg of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    const key = m ? FLAGS[m[1] as string] : undefined;
    if (!m || !key) throw new Error(`unknown argument ${JSON.stringify(arg)}; flags are --name=value with name one of: ${Object.keys(FLAGS).join(", ")} (kubetune controller --help says what each sets)`);
    raw[key] = m[2];
  }
  if (typeof raw.namespaces === "string") raw.namespaces = raw.namespaces.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  const r = ControllerConfig.safeParse(raw);
  if (!r.success) throw new Error(`invalid controller configuration:\n${r.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`);
  return r.data;
}

/** What each flag sets, for `kubetune controller --help` (docs/controller.md has the full table). */
const FLAG_HELP: Record<keyof typeof FLAGS, string> = {
  namespaces: "comma-separated namespaces to watch (default: all)",
  kubeconfig: "cluster credentials (default: in-cluster, then ~/.kube/config)",
  "nats-url": "NATS server(s), comma-separated; tls:// for TLS",
  "trial-nats-url": "NATS URL given to trials (default: --nats-url)",
  consumer: "durable JetStream consumer name",
  "metrics-port": "port of /metrics, /healthz and /readyz (0 picks a free one)",
  "metrics-host": "address /metrics, /healthz and /readyz listen on",
  "lease-name": "leader-election Lease name",
  "lease-namespace": "leader-election Lease namespace",
  identity: "this replica's Lease holder identity",
  "lease-duration": "seconds a Lease holds without renewal",
  "lease-renew": "seconds between the leader's renewals",
  "lease-retry": "seconds between a standby's attempts",
  workers: "jobs reconciled at once",
  "stop-grace": "seconds a stopped trial has to exit before its Pod is deleted",
  settle: "longest wait in seconds for a finished Pod's last reports",
  "unhealthy-after": "seconds the API server or NATS may be unreachable before /healthz fails",
  "stream-max-age": "seconds the metrics stream keeps a report",
  "stream-max-bytes": "bytes the metrics stream holds at most",
  "stream-max-msgs-per-subject": "reports the metrics stream keeps per trial",
  "trial-defaults": "JSON file of trial Pod defaults",
  "log-level": "debug, info, warn or error",
  "startup-timeout": "seconds to wait at start for the API server and NATS before exiting 1",
  "verify-reports": "refuse reports not signed with their trial's key (true or false; false lets any trial forge any trial's metrics)",
};

/** `kubetune controller --help`: every flag with its environment variable and default. */
export function controllerUsage(): string {
  const envOf = (key: keyof ControllerConfig): string[] => Object.entries(ENV).filter(([, k]) => k === key).map(([e]) => e);
  const defaults = ControllerConfig.safeParse({ identity: "x" });
  const rows = Object.entries(FLAGS).map(([flag, key]) => {
    const env = envOf(key);
    const d = defaults.success && key !== "identity" ? defaults.data[key] : undefined;
    const shown = Array.isArray(d) ? (d.length > 0 ? d.join(",") : undefined) : d;
    const extra = [env.length > 0 ? `env ${env.join(" or ")}` : "", shown !== undefined ? `default ${String(shown)}` : ""].filter((x) => x !== "").join("; ");
    return `  --${flag}=…\n      ${FLAG_HELP[flag as keyof typeof FLAGS]}${extra ? ` (${extra})` : ""}`;
  });
  return [
    "Usage: kubetune controller [--name=value ...]",
    "",
    "Runs the Kubernetes controller until SIGTERM/SIGINT (docs/controller.md). Flags override environment",
    "variables; secrets (NATS user, password, token, creds, TLS files) come only from the environment:",
    `  ${[...Object.keys(ENV).filter((e) => e.startsWith("KUBETUNE_NATS_") && !Object.values(FLAGS).includes(ENV[e] as keyof ControllerConfig)), ...Object.keys(FILE_ENV)].join(", ")}`,
    "",
    "Flags:",
    ...rows,
  ].join("\n");
}
