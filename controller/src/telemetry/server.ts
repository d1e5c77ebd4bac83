import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** One readiness check: its name and whether it passes now (with a detail when it does not). */
export interface Check {
  name: string;
  check(): { ok: boolean; detail?: string };
}

/** The readiness report: overall verdict and one line per check, as the body of /readyz. */
export function readiness(checks: readonly Check[]): { ok: boolean; body: string } {
  const lines = checks.map((c) => {
    const r = c.check();
    return { ok: r.ok, line: `[${r.ok ? "+" : "-"}]${c.name} ${r.ok ? "ok" : `failed${r.detail ? `: ${r.detail}` : ""}`}` };
  });
  const ok = lines.every((l) => l.ok);
  return { ok, body: `${lines.map((l) => l.line).join("\n")}\n${ok ? "readyz check passed" : "readyz check failed"}\n` };
}

/** The /metrics, /healthz and /readyz endpoint. */
export interface TelemetryServer {
  /** The port it listens on (useful when 0 was asked for). */
  port: number;
  close(): Promise<void>;
}

/** Serves /metrics from the registry, /healthz (the process is alive) and /readyz (every check passes). */
export async function startTelemetryServer(options: { port: number; host?: string; registry: Registry; checks: () => readonly Check[] }): Promise<TelemetryServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": options.registry.contentType }).end(text),
        (e: unknown) => res.writeHead(500).end(`collecting metrics failed: ${String(e)}\n`),
      );
    } else if (path === "/healthz" || path === "/livez") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
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
