import { ApiException, HttpMethod, RequestContext } from "@kubernetes/client-node";
import { answered, type Reachability } from "../telemetry/reachability.ts";
import type { PooledKubeConfig } from "./kubeconfig.ts";

type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

/** How long one application of the kubeconfig's credentials (headers, TLS connection pool) is reused. */
const AUTH_TTL_MS = 1000;

type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** A JSON call to the API server: resolves with the parsed 2xx body, rejects with client-node's ApiException. */
export type JsonCall = (method: Method, path: string, body?: unknown, contentType?: string) => Promise<unknown>;

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Sends one request on `dispatcher` (the kubeconfig's TLS pool), or with Node's fetch where the kubeconfig gives none. */
export async function send(dispatcher: Dispatcher | undefined, url: URL, method: Method, headers: Record<string, string>, body: string | undefined): Promise<{ status: number; text: string }> {
  if (dispatcher) {
    const r = await dispatcher.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method, headers, body: body ?? null });
    return { status: r.statusCode, text: await r.body.text() };
  }
  const r = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  return { status: r.status, text: await r.text() };
}

/**
 * The controller's writes without client-node's generated layer. Per request that layer reads the
 * certificate files, builds an undici Agent, walks the object's type map to serialize and deserialize
 * it (a whole Pod, for a create whose answer only needs the uid) and goes through fetch's web streams
 * (with this and two fewer Events per trial, profiled bench:controller runs went from 31 to 15 ms of
 * controller CPU per trial). Credentials are applied the
 * same way (client-node's applySecurityAuthentication), once a second, so a rotated token or
 * certificate is picked up within a second; the pooled config keeps one connection pool meanwhile.
 */
export function jsonClient(kc: PooledKubeConfig, now: () => number = Date.now, reachability?: Reachability): JsonCall {
  let auth: { at: number; done: Promise<{ headers: Record<string, string>; dispatcher: Dispatcher | undefined }> } | undefined;
  const credentials = (): Promise<{ headers: Record<string, string>; dispatcher: Dispatcher | undefined }> => {
    if (auth && now() - auth.at < AUTH_TTL_MS) return auth.done;
    const server = kc.getCurrentCluster()?.server ?? "";
    const ctx = new RequestContext(server, HttpMethod.GET);
    const done = kc.applySecurityAuthentication(ctx).then(() => ({ headers: ctx.getHeaders(), dispatcher: ctx.getDispatcher() }));
    auth = { at: now(), done };
    // A failure is not kept: the next call tries again.
    done.catch(() => {
      if (auth?.done === done) auth = undefined;
    });
    return done;
  };
  return async (method, path, body, contentType = "application/json") => {
    const { headers, dispatcher } = await credentials();
    // Appended, not resolved: a server URL may have a path of its own (a proxy's cluster prefix).
    const url = new URL(`${(kc.getCurrentCluster()?.server ?? "").replace(/\/$/, "")}${path}`);
    const h: Record<string, string> = { ...headers, accept: "application/json" };
    if (body !== undefined) h["content-type"] = contentType;
    let r: { status: number; text: string };
    try {
      r = await send(dispatcher, url, method, h, body === undefined ? undefined : JSON.stringify(body));
    } catch (e) {
      reachability?.missed(`${method} ${path}: ${(e as Error).message}`);
      throw e;
    }
    if (answered(r.status)) reachability?.reached();
    else reachability?.missed(`${method} ${path}: HTTP ${r.status}`);
    const parsed = r.text === "" ? undefined : parse(r.text);
    if (r.status >= 200 && r.status < 300) return parsed;
    throw new ApiException(r.status, `${method} ${path}`, parsed, {});
  };
}
