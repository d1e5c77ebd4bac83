// Polling for integration tests: wait until the cluster reaches a state, with a message on timeout.

export type WaitOptions = { timeoutMs?: number; intervalMs?: number };

/**
 * Calls `probe` until it returns something other than undefined and returns that; throws after
 * `timeoutMs` (default 60 s) with `what` and the last probe error, so a failed test says what it awaited.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
