/**
 * Puts the reports and exits of a local run's parallel trials in an order that does not depend on
 * timing, so `kubetune run` is reproducible under the job's seed: two processes' output interleaves
 * differently from run to run, and early stopping and the search would otherwise see it differently.
 *
 * Each trial is a lane on a virtual clock: it starts at the time of the decision that launched it, a
 * report at step s sits at start + s (or one step after its previous report, if s does not advance),
 * and its exit half a step after its last kept report. An event is
 * released only when no live lane can still produce an earlier one (conservative discrete-event order,
 * ties by trial index). A trial told to stop keeps nothing it reports after the step that stopped it.
 */

/** A trial's event as the sequencer holds it. */
export type Sequenced<R, X> = { kind: "report"; step: number; report: R } | { kind: "exit"; exit: X };

/** An event released for the tuner, with the trial it belongs to. */
export type Released<R, X> = Sequenced<R, X> & { trial: string };

interface Lane<R, X> {
  index: number;
  start: number;
  /** Virtual time of the lane's latest kept report (-Infinity before the first). */
  last: number;
  queue: { at: number; event: Sequenced<R, X> }[];
  stopped: boolean;
}

/** The order keeper of one local run. */
export interface Sequencer<R, X> {
  /** A trial was launched by the decision at the current virtual time. */
  launch(trial: string, index: number): void;
  /** A trial reported or exited (in the order its process produced them). */
  push(trial: string, event: Sequenced<R, X>): void;
  /** A trial was told to stop: what it reports from now on is dropped. */
  stopped(trial: string): void;
  /** The next event safe to release, or undefined while a live lane could still produce an earlier one. */
  next(): Released<R, X> | undefined;
  /** From now on release whatever has arrived, in virtual order, without waiting (an interrupted run). */
  drain(): void;
  /** Whether no lane is live. */
  idle(): boolean;
}

/** When a lane's exit sits: half a step after its last kept report, never before its start. */
function exitTime(lane: { start: number; last: number }): number {
  return Math.max(lane.start, lane.last + 0.5);
}

/**
 * Creates a sequencer. Ordered, lanes are released in (virtual time, trial index) order; unordered,
 * events are released as they arrive and a stopped trial's later reports are kept (the cluster's way).
 */
export function createSequencer<R, X>(ordered: boolean): Sequencer<R, X> {
  const lanes = new Map<string, Lane<R, X>>();
  let now = 0;
  let draining = !ordered;

  const earlier = (a: { at: number; index: number }, b: { at: number; index: number }): boolean => a.at < b.at || (a.at === b.at && a.index < b.index);

  return {
    launch(trial, index) {
      lanes.set(trial, { index, start: now, last: -Infinity, queue: [], stopped: false });
    },
    push(trial, event) {
      const lane = lanes.get(trial);
      if (!lane) return;
      if (event.kind === "report") {
        if (lane.stopped) return;
        lane.last = Math.max(lane.start + event.step, lane.last + 1);
        lane.queue.push({ at: lane.last, event });
      } else {
        lane.queue.push({ at: exitTime(lane), event });
      }
    },
    stopped(trial) {
      const lane = lanes.get(trial);
      if (!ordered || !lane || lane.stopped) return;
      lane.stopped = true;
      lane.last = now;
      const exit = lane.queue.find((q) => q.event.kind === "exit");
      lane.queue = exit ? [{ at: exitTime(lane), event: exit.event }] : [];
    },
    next() {
      let head: { trial: string; lane: Lane<R, X>; at: number; index: number } | undefined;
      for (const [trial, lane] of lanes) {
        const first = lane.queue[0];
        if (first && (!head || earlier({ at: first.at, index: lane.index }, head))) head = { trial, lane, at: first.at, index: lane.index };
      }
      if (!head) return undefined;
      if (!draining) {
        for (const lane of lanes.values()) {
          if (lane === head.lane || lane.queue.length > 0) continue;
          // The earliest this silent lane's next event can be is its exit.
          if (!earlier(head, { at: exitTime(lane), index: lane.index })) return undefined;
        }
      }
      const { event } = head.lane.queue.shift() as { at: number; event: Sequenced<R, X> };
      now = Math.max(now, head.at);
      if (event.kind === "exit") lanes.delete(head.trial);
      return { ...event, trial: head.trial };
    },
    drain() {
      draining = true;
    },
    idle: () => lanes.size === 0,
  };
}
