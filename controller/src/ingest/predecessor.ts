import type { ReportMode } from "../engine/tuner.ts";

/**
 * What a consumer knows of its predecessor (the controller that held the durable consumer before it):
 * the reports delivered to it, up to stream sequence `upTo`, and the ones of those it never
 * acknowledged, which JetStream delivers again to this consumer (after the ack wait).
 */
export interface Predecessor {
  /** Highest stream sequence delivered to the predecessor: its reports were judged there. */
  readonly upTo: number;
  /** Notes a delivery here; one of the predecessor's unacknowledged reports counts once, however often it comes. */
  delivered(seq: number): void;
  /** Whether every report the predecessor left unacknowledged has come back, or can no longer come. */
  done(now: number): boolean;
}

/**
 * The predecessor as the consumer found it at `now`: `upTo` delivered, `unacked` of them not
 * acknowledged. If the predecessor acked them itself after all (a handover), they never come back:
 * after `settleMs` every one of them was either redelivered here or settled, so it stops waiting.
 */
export function createPredecessor(start: { upTo: number; unacked: number; now: number; settleMs: number }): Predecessor {
  let left = start.unacked;
  const until = start.now + start.settleMs;
  const back = new Set<number>();
  return {
    upTo: start.upTo,
    delivered(seq) {
      if (left === 0 || seq > start.upTo || back.has(seq)) return;
      back.add(seq);
      if (back.size >= left) {
        left = 0;
        back.clear();
      }
    },
    done: (now) => left === 0 || now >= until,
  };
}

/**
 * How a delivered report is judged. One applied before (a predecessor's, by stream sequence, or this
 * consumer's own after a failed persist or ack) was judged then: "replayed", never judged again. Until
 * every report the predecessor left unacknowledged has come back, new ones are "deferred": applied at
 * once, judged with the trial's next live report, so no trial is judged on a curve with holes a
 * redelivery will fill (or past rungs its predecessor already judged). After that, "live".
 */
export function reportMode(m: { seq: number; redelivered: boolean }, s: { predecessorUpTo: number; neverApplied: boolean; predecessorDone: boolean }): ReportMode {
  if (m.seq <= s.predecessorUpTo || (m.redelivered && !s.neverApplied)) return "replayed";
  return s.predecessorDone ? "live" : "deferred";
}
