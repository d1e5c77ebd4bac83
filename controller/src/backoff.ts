/**
 * Backoff for the n-th consecutive failure (1-based): base·2^(n−1), capped at maxMs, then jittered
 * down to between half and all of it ("equal jitter"), so callers that failed together (every job
 * after an API server outage) do not retry in lockstep. `random` in [0, 1); 1 gives no jitter.
 */
export function backoffMs(failures: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return Math.round(d / 2 + (d / 2) * random());
}
