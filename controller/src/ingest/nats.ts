import { readFileSync } from "node:fs";
import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../telemetry/log.ts";

/** How to reach and authenticate to NATS; secrets come from mounted files or env (never flags). */
export interface NatsSettings {
  url: string;
  user?: string;
  password?: string;
  token?: string;
  /** Path of a NATS .creds file (JWT + NKey seed). */
  credsFile?: string;
  tlsCaFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
}

/**
 * Prefix of the controller's reply subjects (pulled reports, JetStream API answers): not `_INBOX`, which
 * trials may subscribe to for their own publish acks, so no trial can read what the controller receives.
 */
export const CONTROLLER_INBOX_PREFIX = "_KUBETUNE_CONTROLLER";

/**
 * Builds nats.js connection options: credentials, optional TLS, and endless reconnects with backoff
 * once connected. The first connect tries each server once (the caller retries it, bounded by
 * --startup-timeout and cut short by SIGTERM), each try giving up after 5 s.
 */
export function natsOptions(s: NatsSettings): ConnectionOptions {
  const o: ConnectionOptions = {
    servers: s.url.split(",").map((u) => u.trim()).filter((u) => u.length > 0),
    name: "kubetune-controller",
    inboxPrefix: CONTROLLER_INBOX_PREFIX,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    reconnectJitter: 500,
    timeout: 5000,
  };
  if (s.user !== undefined) {
    o.user = s.user;
    if (s.password !== undefined) o.pass = s.password;
  }
  if (s.token !== undefined) o.token = s.token;
  if (s.credsFile !== undefined) {
    let creds: Uint8Array;
    try {
      creds = readFileSync(s.credsFile);
    } catch (e) {
      throw new Error(`cannot read the NATS creds file ${s.credsFile}: ${(e as Error).message}; mount it or unset KUBETUNE_NATS_CREDS_FILE`);
    }
    o.authenticator = credsAuthenticator(creds);
  }
  if (s.tlsCaFile !== undefined || s.tlsCertFile !== undefined) {
    o.tls = {
      ...(s.tlsCaFile !== undefined ? { caFile: s.tlsCaFile } : {}),
      ...(s.tlsCertFile !== undefined ? { certFile: s.tlsCertFile } : {}),
      ...(s.tlsKeyFile !== undefined ? { keyFile: s.tlsKeyFile } : {}),
    };
  }
  return o;
}

/** A NATS connection whose up/down state is tracked for /readyz and logged. */
export interface TrackedConnection {
  nc: NatsConnection;
  connected(): boolean;
  close(): Promise<void>;
}

/** Connects to NATS with `natsOptions` (one try of each server; rejects with the cause), then logs disconnects and reconnects and reports the state. */
export async function connectNats(options: ConnectionOptions, log: Logger, onState: (up: boolean) => void): Promise<TrackedConnection> {
  const nc = await connect(options);
  let up = true;
  onState(true);
  log.info("connected to NATS", { server: nc.getServer() });
  void (async () => {
    for await (const st of nc.status()) {
      if (st.type === "disconnect") {
        up = false;
        onState(false);
        log.warn("NATS connection lost; reconnecting", { server: String(st.server) });
      } else if (st.type === "reconnect") {
        up = true;
        onState(true);
        log.info("NATS connection restored", { server: String(st.server) });
      }
    }
  })().catch((e: unknown) => log.warn("NATS status stream ended", { error: String(e) }));
  return {
    nc,
    connected: () => up && !nc.isClosed(),
    close: async () => {
      onState(false);
      if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
    },
  };
}
