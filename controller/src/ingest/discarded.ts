/**
 * Reports handed back (nak) for redelivery, by stream sequence, with when each was handed back. The
 * stream's limits (max age, bytes, reports per trial) may discard one before it comes back; such a
 * report never returns, and whoever waits for it (a trial's caught-up check) would wait forever.
 */
export interface Retrying {
  add(seq: number, at: number): void;
  delete(seq: number): void;
  size(): number;
  seqs(): IterableIterator<number>;
  /**
   * Forgets the reports handed back more than `staleMs` ago that the stream no longer holds (`stored`
   * says whether it does); returns their sequences. Redelivery takes seconds, so only those are asked about.
   */
  dropDiscarded(stored: (seq: number) => Promise<boolean>, now: number, staleMs: number): Promise<number[]>;
}

/** An empty set of reports handed back. */
export function createRetrying(): Retrying {
  const handedBack = new Map<number, number>();
  return {
    add: (seq, at) => void handedBack.set(seq, at),
    delete: (seq) => void handedBack.delete(seq),
    size: () => handedBack.size,
    seqs: () => handedBack.keys(),
    async dropDiscarded(stored, now, staleMs) {
      const stale = [...handedBack].filter(([, at]) => now - at > staleMs).map(([seq]) => seq);
      const gone: number[] = [];
      for (const seq of stale) {
        if (await stored(seq)) continue;
        // Came back while the stream was being asked: not discarded after all.
        if (handedBack.get(seq) === undefined) continue;
        handedBack.delete(seq);
        gone.push(seq);
      }
      return gone;
    },
  };
}
