import { backoffMs } from "../backoff.ts";

/** What a handler tells the queue after processing a key. */
export interface ReconcileOutcome {
  /** Process the key again after this many milliseconds (level-triggered polling, e.g. a grace period). */
  requeueAfterMs?: number;
}

/** Hooks for the workqueue_* metrics. */
export interface QueueHooks {
  depth?(n: number): void;
  added?(): void;
  retried?(): void;
  waited?(seconds: number): void;
  worked?(seconds: number): void;
}

/** Options of a work queue. */
export interface QueueOptions {
  /** Keys processed at once (never the same key twice at once). */
  workers: number;
  /** First retry delay after a failure; doubles per consecutive failure of the key. */
  baseDelayMs?: number;
  /** Longest retry delay. */
  maxDelayMs?: number;
  hooks?: QueueHooks;
  /** Called when a handler throws (the key is requeued with backoff). */
  onError?(key: string, error: unknown, attempt: number): void;
}

/** A keyed work queue: de-duplicates keys, never runs one key twice at once, retries failures with backoff. */
export interface WorkQueue {
  /** Schedules the key now; a key already waiting is not added twice, a key being processed runs once more after. */
  add(key: string): void;
  /** Schedules the key after a delay (an earlier add still wins). */
  addAfter(key: string, ms: number): void;
  /** Keys waiting (not counting delayed ones or those being processed). */
  depth(): number;
  /** Stops taking keys and waits for the handlers that are running. */
  shutdown(): Promise<void>;
}

/** Starts a work queue that calls `handle` for each key. */
export function startWorkQueue(handle: (key: string) => Promise<ReconcileOutcome | void>, options: QueueOptions): WorkQueue {
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 30_000;
  const hooks = options.hooks ?? {};
  const queue: string[] = [];
  const queuedAt = new Map<string, number>();
  const processing = new Set<string>();
  const dirty = new Set<string>();
  const failures = new Map<string, number>();
  const timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  const running = new Set<Promise<void>>();
  let stopped = false;

  const report = (): void => hooks.depth?.(queue.length);

  const add = (key: string): void => {
    if (stopped) return;
    hooks.added?.();
    if (processing.has(key)) {
      dirty.add(key);
      return;
    }
    if (queuedAt.has(key)) return;
    queuedAt.set(key, Date.now());
    queue.push(key);
    report();
    pump();
  };

  const addAfter = (key: string, ms: number): void => {
    if (stopped) return;
    if (ms <= 0) return add(key);
    const at = Date.now() + ms;
    const existing = timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      timers.delete(key);
      add(key);
    }, ms);
    timer.unref();
    timers.set(key, { at, timer });
  };

  const finish = (key: string, outcome: ReconcileOutcome | void, error: unknown, failed: boolean): void => {
    processing.delete(key);
    if (failed) {
      const n = (failures.get(key) ?? 0) + 1;
      failures.set(key, n);
      options.onError?.(key, error, n);
      hooks.retried?.();
      addAfter(key, backoffMs(n, base, max));
    } else {
      failures.delete(key);
      if (outcome?.requeueAfterMs !== undefined) addAfter(key, outcome.requeueAfterMs);
    }
    if (dirty.delete(key)) add(key);
    pump();
  };

  const pump = (): void => {
    while (!stopped && processing.size < options.workers) {
      const i = queue.findIndex((k) => !processing.has(k));
      if (i < 0) break;
      const key = queue.splice(i, 1)[0] as string;
      hooks.waited?.((Date.now() - (queuedAt.get(key) ?? Date.now())) / 1000);
      queuedAt.delete(key);
      processing.add(key);
      report();
      const started = Date.now();
      const p = handle(key).then(
        (outcome) => finish(key, outcome, undefined, false),
        (e: unknown) => finish(key, undefined, e, true),
      ).finally(() => {
        hooks.worked?.((Date.now() - started) / 1000);
        running.delete(p);
      });
      running.add(p);
    }
  };

  return {
    add,
    addAfter,
    depth: () => queue.length,
    async shutdown() {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t.timer);
      timers.clear();
      queue.length = 0;
      report();
      await Promise.allSettled([...running]);
    },
  };
}
