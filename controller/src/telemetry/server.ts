import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Reachability } from "./reachability.ts";

/** One readiness check: its name and whether it passes now (with a detail when it does not). */
export interface Check {
  name: string;
  check(): { ok: boolean; detail?: string };
}

/** The readiness report: overall verdict and one line per check, as the body of /readyz (or of `endpoint`). */
export function readiness(checks: readonly Check[], endpoint = "readyz"): { ok: boolean; body: string } {
  const lines = checks.map((c) => {
    const r = c.check();
    return { ok: r.ok, line: `[${r.ok ? "+" : "-"}]${c.name} ${r.ok ? "ok" : `failed${r.detail ? `: ${r.detail}` : ""}`}` };
  });
  const ok = lines.every((l) => l.ok);
  return { ok, body: `${[...lines.map((l) => l.line), `${endpoint} check ${ok ? "passed" : "failed"}`].join("\n")}\n` };
}

/** A dependency whose reachability /healthz judges. */
export interface Dependency {
  name: string;
  reachability: Reachability;
}

/**
 * The liveness checks: each dependency passes until it has been unreachable for longer than
 * `limitMs`, so Kubernetes restarts a controller that lost the API server or NATS for good (a
 * restarted process gets fresh connections) but not one riding out a short outage.
 */
export function livenessChecks(dependencies: readonly Dependency[], limitMs: number): Check[] {
  return dependencies.map(({ name, reachability }) => ({
    name,
    check: () => {
      const d = reachability.down();
      if (d.forMs <= limitMs) return { ok: true };
      return { ok: false, detail: `unreachable for ${Math.round(d.forMs / 1000)} s (limit ${Math.round(limitMs / 1000)} s)${d.error ? `: ${d.error.slice(0, 300)}` : ""}` };
    },
  }));
}

/** The /metrics, /healthz and /readyz endpoint. */
export interface TelemetryServer {
  /** The port it listens on (useful when 0 was asked for). */
  port: number;
  close(): Promise<void>;
}

/** Serves /metrics from the registry, /healthz (every liveness check passes; HTTP 500 with the reason if not) and /readyz (every check passes). */
export async function startTelemetryServer(options: { port: number; host?: string; registry: Registry; checks: () => readonly Check[]; liveness?: () => readonly Check[] }): Promise<TelemetryServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": options.registry.contentType }).end(text),
        (e: unknown) => res.writeHead(500).end(`collecting metrics failed: ${String(e)}\n`),
      );
    } else if (path === "/healthz" || path === "/livez") {
      const r = readiness(options.liveness?.() ?? [], "healthz");
      res.writeHead(r.ok ? 200 : 500, { "content-type": "text/plain" }).end(r.body);
    } else if (path === "/readyz") {
      const r = readiness(options.checks());
      res.writeHead(r.ok ? 200 : 503, { "content-type": "text/plain" }).end(r.body);
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics, /healthz or /readyz\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) => reject(new Error(`cannot listen on ${options.host ?? "0.0.0.0"}:${options.port} for /metrics: ${e.message}; set --metrics-port to a free port`)));
    server.listen(options.port, options.host ?? "0.0.0.0", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
