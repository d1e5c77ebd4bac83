import { HttpMethod, RequestContext, type KubeConfig } from "@kubernetes/client-node";
import { errorText, sampled, type Logger } from "../telemetry/log.ts";
import { backoffMs } from "../backoff.ts";

/** Thrown when a start-up wait is cut short by SIGTERM/SIGINT. */
export class StartupAborted extends Error {
  constructor() {
    super("start-up interrupted by a signal");
  }
}

/** Thrown when the API server or NATS could not be reached within --startup-timeout. */
export class StartupTimedOut extends Error {}

/** A sleep that ends early (rejecting with StartupAborted) when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new StartupAborted());
    const done = (): void => {
      signal?.removeEventListener("abort", abort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const abort = (): void => {
      clearTimeout(timer);
      reject(new StartupAborted());
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}

/** What a start-up wait is for: a name and address for the log and the error, and how to fix it. */
export interface Target {
  /** e.g. "NATS", "the API server". */
  what: string;
  address: string;
  /** What to check when it never answers (the setting that names the address). */
  hint: string;
}

/**
 * Runs `attempt` until it succeeds, retrying with backoff (500 ms doubling to 5 s) and logging each
 * failure with the address and cause (sampled); throws, naming the address, the last cause and
 * `--startup-timeout`, once `timeoutMs` have passed, or StartupAborted on `signal`.
 */
export async function retryUntil<T>(target: Target, attempt: () => Promise<T>, o: { timeoutMs: number; signal?: AbortSignal; log: Logger; now?: () => number }): Promise<T> {
  const now = o.now ?? Date.now;
  const deadline = now() + o.timeoutMs;
  const log = sampled(o.log, { keys: ["server"] });
  for (let failures = 1; ; failures++) {
    if (o.signal?.aborted) throw new StartupAborted();
    let cause: string;
    try {
      return await attempt();
    } catch (e) {
      if (e instanceof StartupAborted || o.signal?.aborted) throw new StartupAborted();
      cause = errorText(e);
    }
    const left = deadline - now();
    if (left <= 0) throw new StartupTimedOut(`cannot reach ${target.what} at ${target.address}: ${cause}; gave up after ${o.timeoutMs / 1000} s (--startup-timeout). ${target.hint}`);
    const delay = Math.min(backoffMs(failures, 500, 5000), left);
    log.warn(`cannot reach ${target.what}; retrying`, { server: target.address, error: cause, retryInMs: delay });
    await pause(delay, o.signal);
  }
}

/** One GET /version on the API server with the kubeconfig's credentials: resolves on any answer but 401, else rejects with the cause. */
export async function probeApiServer(kc: KubeConfig, signal?: AbortSignal, timeoutMs = 5000): Promise<void> {
  const server = (kc.getCurrentCluster()?.server ?? "").replace(/\/$/, "");
  const ctx = new RequestContext(`${server}/version`, HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  const url = new URL(`${server}/version`);
  const cut = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])]);
  const dispatcher = ctx.getDispatcher();
  const status = dispatcher
    ? await dispatcher.request({ origin: url.origin, path: url.pathname, method: "GET", headers: ctx.getHeaders(), signal: cut }).then(async (r) => {
        await r.body.dump();
        return r.statusCode;
      })
    : (await fetch(url, { headers: ctx.getHeaders(), signal: cut })).status;
  // Any other answer means it is up (403: this identity may not read /version, which is no reason to wait).
  if (status === 401) throw new Error("the API server refused the credentials (401 Unauthorized); check the kubeconfig or the ServiceAccount token");
}
