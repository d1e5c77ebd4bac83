import { createRetrying } from "./discarded.ts";

/**
 * The consumer's account of which delivered reports are settled (applied and stored, or refused), for
 * the controller's questions "is every report published before t applied?" and "is this trial's last
 * report applied?". Stream sequences only: the consumer tells it what happened, it does no I/O.
 */
export interface CaughtUp {
  /**
   * A report was delivered (first or again); `headStoredAt` is when the stream stored it if nothing
   * came after it (the stream's head), else undefined. Returns whether it had been handed back
   * without ever being applied: then this delivery is its first judgment.
   */
  delivered(seq: number, headStoredAt: number | undefined): boolean;
  /** A report was handed back (nak) at `at`, to come again; `applied` says whether it was applied before (a failed persist) or not (its job was loading). */
  handedBack(seq: number, at: number, applied: boolean): void;
  /** Everything delivered is applied and stored (a persist ended with nothing waiting); `predecessorDone` as Predecessor.done. */
  allStored(predecessorDone: boolean): void;
  /** Whether every report published before `time` (ms since epoch) has been applied and stored. */
  caughtUpSince(time: number): boolean;
  /** The stream sequence up to which every delivered report is settled, given those applied but not yet stored (`unstored`). */
  settledUpTo(unstored: Iterable<number>): number;
  /** Forgets the reports handed back more than `staleMs` ago that the stream discarded (see Retrying.dropDiscarded); returns their sequences. */
  dropDiscarded(stored: (seq: number) => Promise<boolean>, now: number, staleMs: number): Promise<number[]>;
}

/** The account of a consumer whose deliveries start after stream sequence `deliveredUpTo`. */
export function createCaughtUp(deliveredUpTo: number): CaughtUp {
  /** Highest stream sequence delivered so far: first deliveries come in stream order. */
  let lastSeq = deliveredUpTo;
  /** When the stream stored its head, if the last delivery was the head; 0 otherwise. */
  let headStoredAt = 0;
  /** Every report published up to this time (ms since epoch) is applied and stored. */
  let caughtUp = 0;
  /** Reports handed back until their job is loaded or a persist succeeds; they come again, unless the stream's limits discard them. */
  const retrying = createRetrying();
  /** Of those, the ones never applied (their job was not loaded): their redelivery is their first judgment. */
  const neverApplied = new Set<number>();
  return {
    delivered(seq, storedAt) {
      retrying.delete(seq);
      lastSeq = Math.max(lastSeq, seq);
      headStoredAt = storedAt ?? 0;
      return neverApplied.delete(seq);
    },
    handedBack(seq, at, applied) {
      retrying.add(seq, at);
      if (!applied) neverApplied.add(seq);
    },
    allStored(predecessorDone) {
      // If the last delivery left nothing pending in the stream, everything stored up to then is applied.
      if (headStoredAt > 0 && retrying.size() === 0 && predecessorDone) caughtUp = Math.max(caughtUp, headStoredAt);
    },
    caughtUpSince: (time) => caughtUp >= time,
    settledUpTo(unstored) {
      let upTo = lastSeq;
      for (const seq of unstored) upTo = Math.min(upTo, seq - 1);
      for (const seq of retrying.seqs()) upTo = Math.min(upTo, seq - 1);
      return upTo;
    },
    async dropDiscarded(stored, now, staleMs) {
      const gone = await retrying.dropDiscarded(stored, now, staleMs);
      for (const seq of gone) neverApplied.delete(seq);
      return gone;
    },
  };
}
