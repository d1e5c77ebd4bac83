import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { z } from "zod";
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
  /** JSON file of trial Pod defaults (the chart mounts its ConfigMap here); see trial-defaults.ts. */
  trialDefaults: z.string().min(1).optional(),
  logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
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
  "stop-grace": "stopGraceSeconds", settle: "settleSeconds", "trial-defaults": "trialDefaults", "log-level": "logLevel",
  "verify-reports": "verifyReports",
};

// Secrets come from env or mounted files only, never flags (flags show up in `ps`).
const ENV: Record<string, keyof ControllerConfig> = {
  KUBETUNE_NAMESPACES: "namespaces", KUBECONFIG: "kubeconfig", KUBETUNE_NATS_URL: "natsUrl", KUBETUNE_TRIAL_NATS_URL: "trialNatsUrl",
  KUBETUNE_NATS_USER: "natsUser", KUBETUNE_NATS_PASSWORD: "natsPassword", KUBETUNE_NATS_TOKEN: "natsToken", KUBETUNE_NATS_CREDS_FILE: "natsCredsFile",
  KUBETUNE_NATS_TLS_CA_FILE: "natsTlsCaFile", KUBETUNE_NATS_TLS_CERT_FILE: "natsTlsCertFile", KUBETUNE_NATS_TLS_KEY_FILE: "natsTlsKeyFile",
  KUBETUNE_CONSUMER: "consumer", KUBETUNE_METRICS_PORT: "metricsPort", KUBETUNE_LEASE_NAME: "leaseName", POD_NAMESPACE: "leaseNamespace",
  KUBETUNE_LEASE_NAMESPACE: "leaseNamespace", POD_NAME: "identity", KUBETUNE_LOG_LEVEL: "logLevel", KUBETUNE_TRIAL_DEFAULTS: "trialDefaults",
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
    if (!m || !key) throw new Error(`unknown argument ${JSON.stringify(arg)}; flags are --name=value with name one of: ${Object.keys(FLAGS).join(", ")}`);
    raw[key] = m[2];
  }
  if (typeof raw.namespaces === "string") raw.namespaces = raw.namespaces.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  const r = ControllerConfig.safeParse(raw);
  if (!r.success) throw new Error(`invalid controller configuration:\n${r.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`);
  return r.data;
}
