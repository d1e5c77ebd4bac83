/**
 * Cooperative time slicing for long suggestions. Work is metered in flops, and after every slice the
 * event loop gets a turn (setImmediate), so one ask on a long history never stalls the controller for
 * its whole duration. Where the turns fall depends only on the work done, and results never depend
 * on them: this is scheduling, not state.
 */

/** A work meter; `spend` returns a promise to await when a slice is used up, null otherwise. */
export interface Pacer {
  spend(flops: number): Promise<void> | null;
}

/** A pacer that yields after every `slice` flops. */
export function createPacer(slice: number): Pacer {
  let spent = 0;
  return {
    spend: (flops) => {
      spent += flops;
      if (spent < slice) return null;
      spent = 0;
      return new Promise((resolve) => setImmediate(resolve));
    },
  };
}
