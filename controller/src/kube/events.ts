import { errorText, type Logger } from "../telemetry/log.ts";
import type { KubeApi } from "./api.ts";

/** Bounds of the Event queue. */
export interface EventQueueOptions {
  /** Event creates in flight at once. */
  inFlight: number;
  /** Events waiting beyond which new ones are dropped (client-go's broadcaster drops at 1000 too). */
  backlog: number;
  log: Logger;
  now?: () => number;
}

type Send = KubeApi["event"];

/**
 * The API with Events sent through a bounded queue. Events are best-effort: when the API server is
 * slow, a burst of Events (failures, early stops) must not compete with trial creates and status
 * writes, nor pile up in memory; past the backlog they are dropped, with a warning at most every 10 s.
 * A queued Event's promise resolves once it is sent or dropped, and rejects if the create fails.
 */
export function withEventQueue(api: KubeApi, o: EventQueueOptions): KubeApi {
  const now = o.now ?? Date.now;
  const waiting: { args: Parameters<Send>; done: (e?: unknown) => void }[] = [];
  let running = 0;
  let dropped = 0;
  let warnedAt = -Infinity;
  const pump = (): void => {
    while (running < o.inFlight && waiting.length > 0) {
      const next = waiting.shift() as (typeof waiting)[number];
      running++;
      api.event(...next.args).then(() => next.done(), (e: unknown) => next.done(e)).finally(() => {
        running--;
        pump();
      });
    }
  };
  return {
    ...api,
    event: (...args) => {
      if (waiting.length >= o.backlog) {
        dropped++;
        if (now() - warnedAt >= 10_000) {
          o.log.warn("the API server is slow; dropping Events", { dropped, waiting: waiting.length, reason: args[2] });
          warnedAt = now();
        }
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        waiting.push({ args, done: (e) => (e === undefined ? resolve() : reject(new Error(errorText(e)))) });
        pump();
      });
    },
  };
}
