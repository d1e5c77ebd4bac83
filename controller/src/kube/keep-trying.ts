/**
 * Calls `start` until it succeeds, `delayMs` after each failure (told to `failed`); resolves undefined
 * instead when a failure comes after `stopped` turned true.
 */
export async function keepTrying<T>(start: () => Promise<T>, o: { stopped(): boolean; failed(e: unknown): void; delayMs: number }): Promise<T | undefined> {
  for (;;) {
    try {
      return await start();
    } catch (e) {
      if (o.stopped()) return undefined;
      o.failed(e);
      await new Promise((r) => setTimeout(r, o.delayMs));
    }
  }
}
