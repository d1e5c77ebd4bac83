import { z } from "zod";
import { MetricMessage, MetricName } from "../../../controller/src/api/metrics.ts";
import type { TransportKind } from "./env.ts";

/** Delivers encoded reports; implemented once per transport. Must never reject. */
export interface Sink {
  send(message: MetricMessage): Promise<boolean>;
  close(): Promise<void>;
}

/** Counts of reports delivered and given up on. */
export interface ReportStats {
  sent: number;
  dropped: number;
}

/** The object training code reports through. */
export interface Reporter {
  readonly transport: TransportKind;
  readonly trial: string;
  /** True once a stop was requested (control message or SIGTERM). */
  readonly stopRequested: boolean;
  readonly stopReason: string | undefined;
  /** Reports metrics at a step (epoch, iteration…); resolves when delivered or given up on. */
  report(step: number, metrics: Record<string, number>): Promise<void>;
  /** Sends the final report (defaults: the last step and its metrics); call once, at the end. */
  final(metrics?: Record<string, number>): Promise<void>;
  /** Calls `cb` when a stop is requested (at once if it already was); returns an unsubscribe function. */
  onStop(cb: (reason: string) => void): () => void;
  /** Number of reports sent and dropped so far. */
  stats(): ReportStats;
  /** Waits for pending reports, then releases the connection. Idempotent. */
  close(): Promise<void>;
}

/** The reporter plus the hooks transports and signal handlers use. */
export interface ReporterCore extends Reporter {
  requestStop(reason: string): void;
  stopListenerCount(): number;
}

// One event-loop turn: training loops that await only microtasks (tfjs fit on wasm) would otherwise
// never let a SIGTERM handler or a stdin stop message run until training ends.
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const Step = z.int({ error: "step must be an integer" }).min(0, { error: "step must be ≥ 0" });

/** Builds a reporter over a sink: validates input, keeps reports in order, tracks stop requests. */
export function createReporter(opts: { transport: TransportKind; trial: string; sink: Sink; warn: (line: string) => void }): ReporterCore {
  const { sink, warn, trial } = opts;
  let chain: Promise<unknown> = Promise.resolve();
  let lastStep = 0;
  let lastMetrics: Record<string, number> = {};
  let finalSent = false;
  let closed: Promise<void> | undefined;
  let stopReason: string | undefined;
  const listeners = new Set<(reason: string) => void>();
  const stats: ReportStats = { sent: 0, dropped: 0 };
  const warnedNonFinite = new Set<string>();

  // Non-finite values (a diverging loss) cannot travel as JSON numbers; drop them rather than the whole report.
  function clean(metrics: Record<string, number>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, value] of Object.entries(metrics)) {
      const n = MetricName.safeParse(name);
      if (!n.success) throw new TypeError(`metric name ${JSON.stringify(name)} ${n.error.issues[0]?.message ?? "is invalid"}`);
      if (typeof value !== "number") throw new TypeError(`metric ${name} must be a number, got ${typeof value}`);
      if (Number.isFinite(value)) out[name] = value;
      else if (!warnedNonFinite.has(name)) {
        warnedNonFinite.add(name);
        warn(`metric ${name} is ${value}; non-finite values are not reported`);
      }
    }
    return out;
  }

  function enqueue(message: MetricMessage): Promise<void> {
    if (closed) return Promise.reject(new Error("kubetune reporter: report after close()"));
    const p = chain.then(() => sink.send(message)).then((ok) => {
      if (ok) stats.sent++;
      else stats.dropped++;
    });
    chain = p.catch(() => undefined);
    return p;
  }

  return {
    transport: opts.transport,
    trial,
    get stopRequested() {
      return stopReason !== undefined;
    },
    get stopReason() {
      return stopReason;
    },
    report(step, metrics) {
      if (finalSent && !closed) return Promise.reject(new Error("kubetune reporter: report() after final(); final() sends the trial's last report, so report every step before it"));
      const s = Step.safeParse(step);
      if (!s.success) return Promise.reject(new TypeError(`kubetune reporter: ${s.error.issues[0]?.message ?? "bad step"}, got ${String(step)}`));
      let m: Record<string, number>;
      try {
        m = clean(metrics);
      } catch (e) {
        return Promise.reject(e);
      }
      lastStep = s.data;
      lastMetrics = m;
      return enqueue({ trial, step: s.data, metrics: m }).then(nextTurn);
    },
    final(metrics) {
      if (finalSent && !closed) return Promise.reject(new Error("kubetune reporter: final() was already called"));
      let m: Record<string, number>;
      try {
        m = metrics === undefined ? lastMetrics : clean(metrics);
      } catch (e) {
        return Promise.reject(e);
      }
      finalSent = true;
      return enqueue({ trial, step: lastStep, metrics: m, final: true });
    },
    onStop(cb) {
      listeners.add(cb);
      if (stopReason !== undefined) {
        const reason = stopReason;
        queueMicrotask(() => cb(reason));
      }
      return () => listeners.delete(cb);
    },
    requestStop(reason) {
      if (stopReason !== undefined) return;
      stopReason = reason;
      for (const cb of listeners) cb(reason);
    },
    stopListenerCount: () => listeners.size,
    stats: () => ({ ...stats }),
    close() {
      closed ??= chain.then(() => sink.close());
      return closed;
    },
  };
}
