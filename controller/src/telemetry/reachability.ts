/** Whether a dependency (the API server, NATS) answers, judged from the calls the controller makes anyway. */
export interface Reachability {
  /** An answer came back (any HTTP status the server chose to send, a connection that is up). */
  reached(): void;
  /** No answer: a connection error, a timeout, a 5xx, a connection that dropped. */
  missed(error: string): void;
  /** How long every attempt has failed (0 while the last one succeeded), and the latest error. */
  down(): { forMs: number; error?: string };
}

/** Tracks one dependency's reachability; the clock is injected for tests. */
export function createReachability(now: () => number = Date.now): Reachability {
  let since: number | undefined;
  let last: string | undefined;
  return {
    reached() {
      since = undefined;
      last = undefined;
    },
    missed(error) {
      since ??= now();
      last = error;
    },
    down: () => (since === undefined ? { forMs: 0 } : { forMs: now() - since, ...(last !== undefined ? { error: last } : {}) }),
  };
}

/** Whether an HTTP status from the API server means it answered for itself: 5xx (etcd down, overloaded, a proxy's 502) does not. */
export function answered(status: number): boolean {
  return status > 0 && status < 500;
}
