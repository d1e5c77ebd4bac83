import { backoffMs } from "../backoff.ts";
import { errorText, type Logger } from "../telemetry/log.ts";

/**
 * Least time between the starts of two persists. Under a stream of reports, each persist then carries
 * several reports per trial (one status write for all of them) instead of one write per report; a stop
 * decision does not wait for it, only the status write and the acks do.
 */
export const PERSIST_INTERVAL_MS = 200;

/**
 * Turns for persisting: each resolves after the current I/O phase (so every message of that read joins
 * the batch) and no sooner than `intervalMs` after the previous turn began.
 */
export function persistTurns(intervalMs: number): () => Promise<void> {
  let last = 0;
  return () =>
    new Promise<void>((resolve) => {
      const go = (): void => {
        last = Date.now();
        resolve();
      };
      const wait = last + intervalMs - Date.now();
      if (wait > 0) setTimeout(go, wait);
      else setImmediate(go);
    });
}

/** A delivered report as a batch settles it (a JetStream message). */
export interface Delivery {
  readonly seq: number;
  ack(): void;
  nak(millis?: number): void;
  /** Asks the server for another ack wait. */
  working(): void;
}

/** Applied reports waiting for their status write, acknowledged only once it is done. */
export interface PersistBatches {
  /** The jobs (`namespace/job`) of the reports applied since the last persist began; the message handler adds to it. */
  jobs(): Set<string>;
  /** Takes an applied report, and starts a persist unless one is under way. */
  applied(m: Delivery): void;
  /** The stream sequences of the applied reports not acknowledged yet. */
  unstored(): Iterable<number>;
  /** Resolves once no persist is under way. */
  idle(): Promise<void>;
}

/**
 * Persists applied reports in batches, one persist at a time (each waits for its `turn`), while the
 * next batch grows; then acknowledges the batch, or hands it back (`handedBack`, then a nak with a
 * backoff that grows with consecutive failures) when the persist failed. `drained` is called when a
 * persist leaves nothing waiting. A persist slower than the ack wait would get every waiting report
 * redelivered and judged again, so every `keepAliveMs` they are marked as still being worked on.
 */
export function createPersistBatches(o: { persist: (jobs: ReadonlySet<string>) => Promise<void>; turn: () => Promise<void>; keepAliveMs: number; handedBack: (seq: number) => void; drained: () => void; log: Logger }): PersistBatches {
  const { log } = o;
  let waiting: Delivery[] = [];
  let storing: Delivery[] = [];
  let jobs = new Set<string>();
  let persisting: Promise<void> | undefined;
  let failures = 0;

  const stillWorking = (): void => {
    try {
      for (const m of storing) m.working();
      for (const m of waiting) m.working();
    } catch (e) {
      log.warn("extending the ack wait failed", { error: errorText(e) });
    }
  };
  /** Acknowledges the batch being stored, or hands it back for redelivery. */
  const settle = (stored: boolean): void => {
    // Redelivered after a backoff that grows with consecutive failures (jittered, capped at 30 s), so a
    // failing API server is not asked again every 2 s by every batch.
    const redeliverMs = backoffMs(failures, 2000, 30_000);
    try {
      for (const m of storing) {
        if (stored) m.ack();
        else {
          // Unacked messages come back after ack_wait; nak now so they return sooner.
          o.handedBack(m.seq);
          m.nak(redeliverMs);
        }
      }
    } catch (e) {
      // The connection closed (shutdown): unacked reports are redelivered to whoever consumes next.
      log.warn("acknowledging metric reports failed; they will be redelivered", { error: errorText(e) });
    }
  };
  const persistAll = async (): Promise<void> => {
    while (waiting.length > 0) {
      await o.turn();
      storing = waiting;
      const batchJobs = jobs;
      waiting = [];
      jobs = new Set();
      let stored = true;
      try {
        await o.persist(batchJobs);
        failures = 0;
      } catch (e) {
        stored = false;
        failures++;
        log.warn("persisting metric reports failed; they will be redelivered", { error: errorText(e), failures });
      }
      settle(stored);
      storing = [];
    }
    o.drained();
  };
  const start = async (): Promise<void> => {
    const keepAlive = setInterval(stillWorking, o.keepAliveMs);
    try {
      await persistAll();
    } catch (e) {
      log.error("persisting metric reports failed", { error: errorText(e) });
    } finally {
      clearInterval(keepAlive);
      persisting = undefined;
    }
  };

  return {
    jobs: () => jobs,
    applied(m) {
      waiting.push(m);
      persisting ??= start();
    },
    *unstored() {
      for (const m of storing) yield m.seq;
      for (const m of waiting) yield m.seq;
    },
    idle: async () => {
      await persisting;
    },
  };
}
