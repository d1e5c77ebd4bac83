/** Runs `fn` for `key` after every earlier call for the same key has finished. */
export type KeyedLock = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

/**
 * A lock per key: the work queue never runs one job's reconcile twice at once, but ingest's persist
 * writes the same job's statuses in between, and the two must not interleave.
 */
export function createKeyedLock(): KeyedLock {
  const locks = new Map<string, Promise<void>>();
  return async (key, fn) => {
    const prev = locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chained = prev.then(() => mine);
    locks.set(key, chained);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (locks.get(key) === chained) locks.delete(key);
    }
  };
}
