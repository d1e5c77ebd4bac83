import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { REPORT_CSS, esc } from "../local/report-html.ts";
import type { DashboardSource } from "./dashboard-source.ts";

/** The page's script and styles, served from this folder: no CDN, the page works offline. */
const ASSETS: Record<string, { file: string; type: string }> = {
  "/assets/dashboard.js": { file: "dashboard.js", type: "text/javascript; charset=utf-8" },
  "/assets/dashboard.css": { file: "dashboard.css", type: "text/css; charset=utf-8" },
};

/**
 * Scripts only from this server (no inline script: markup that slipped through escaping still cannot
 * run), no other origin reachable, no framing. Inline style attributes are the report's SVG colors.
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const COMMON_HEADERS = { "content-security-policy": CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "cache-control": "no-store" };

/** How long changes are gathered before the pages are told (a running job changes many times a second). */
const BATCH_MS = 250;
/** An SSE comment this often keeps idle connections open through proxies. */
const HEARTBEAT_MS = 15_000;

/** The dashboard's HTTP server: the page, its assets, and JSON or server-sent events of the source's state. */
export interface Dashboard {
  url: string;
  server: Server;
  close(): Promise<void>;
}

function shell(namespace: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kubetune dashboard</title>
<style>${REPORT_CSS}</style><link rel="stylesheet" href="/assets/dashboard.css"><script src="/assets/dashboard.js" defer></script></head>
<body data-namespace="${esc(namespace)}"><h1><a href="/">kubetune</a> <span id="title"></span></h1><p id="problem" class="problem" hidden></p><main id="main"></main></body></html>
`;
}

/** Whether a request's Host is this server itself: a page of another site, rebound by DNS to 127.0.0.1, must not read the cluster with the user's credentials. */
function hostAllowed(host: string | undefined, port: number, allowed: readonly string[]): boolean {
  return host !== undefined && allowed.some((h) => host === `${h}:${port}`);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...COMMON_HEADERS, "content-type": type }).end(body);
}

/** Streams `payload()` as server-sent events: now, then after each batch of changes when it differs from the last one sent. */
function stream(req: IncomingMessage, res: ServerResponse, source: DashboardSource, payload: () => unknown): void {
  res.writeHead(200, { ...COMMON_HEADERS, "content-type": "text/event-stream; charset=utf-8", connection: "keep-alive" });
  let last = "";
  let pending: NodeJS.Timeout | undefined;
  const push = (): void => {
    pending = undefined;
    const data = JSON.stringify(payload());
    if (data === last) return;
    last = data;
    res.write(`data: ${data}\n\n`);
  };
  push();
  const off = source.onChange(() => {
    pending ??= setTimeout(push, BATCH_MS);
  });
  const beat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
  req.on("close", () => {
    off();
    clearInterval(beat);
    clearTimeout(pending);
  });
}

/** A path segment decoded, or undefined when its %-escapes are malformed. */
function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Answers one request; only GET (and HEAD) of the known paths. */
function route(req: IncomingMessage, res: ServerResponse, source: DashboardSource, assetsDir: string): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    return send(res, 405, "text/plain; charset=utf-8", "the dashboard is read-only\n");
  }
  const path = new URL(req.url ?? "/", "http://dashboard").pathname;
  const asset = ASSETS[path];
  if (asset) return send(res, 200, asset.type, readFileSync(join(assetsDir, asset.file), "utf8"));
  if (path === "/" || /^\/jobs\/[^/]+\/[^/]+$/.test(path)) return send(res, 200, "text/html; charset=utf-8", shell(source.namespace));
  if (path === "/api/jobs") return send(res, 200, "application/json", JSON.stringify(source.jobs()));
  if (path === "/api/jobs/events") return stream(req, res, source, () => source.jobs());
  const m = /^\/api\/jobs\/([^/]+)\/([^/]+?)(\/events)?$/.exec(path);
  const namespace = m ? decoded(m[1] as string) : undefined;
  const name = m ? decoded(m[2] as string) : undefined;
  if (m && namespace !== undefined && name !== undefined) {
    const view = namespace === source.namespace ? () => source.job(name) : () => ({ ok: false, reason: "not_found", detail: `this dashboard watches namespace "${source.namespace}", not "${namespace}" (start it with --namespace ${namespace})` });
    if (m[3]) return stream(req, res, source, view);
    return send(res, 200, "application/json", JSON.stringify(view()));
  }
  send(res, 404, "text/plain; charset=utf-8", "not found\n");
}

/** Starts the dashboard on `host`:`port` (port 0 picks a free one). */
export async function startDashboard(source: DashboardSource, opts: { host: string; port: number; assetsDir?: string }): Promise<Dashboard> {
  const assetsDir = opts.assetsDir ?? join(import.meta.dirname, "assets");
  let port = opts.port;
  const names = ["127.0.0.1", "localhost", "[::1]", opts.host.includes(":") ? `[${opts.host}]` : opts.host];
  const server = createServer((req, res) => {
    if (!hostAllowed(req.headers.host, port, names)) return send(res, 403, "text/plain; charset=utf-8", "unexpected Host header: open the dashboard at the address it printed\n");
    try {
      route(req, res, source, assetsDir);
    } catch (e) {
      send(res, 500, "text/plain; charset=utf-8", `internal error: ${(e as Error).message}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shown = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${shown}:${port}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
