import type { Parameter, Params } from "../../api/parameters.ts";

export type { Parameter, Params };

/** Names of the search algorithms a TuningJob may ask for. */
export const ALGORITHM_NAMES = ["grid", "random", "sobol", "bayesian", "tpe"] as const;
export type AlgorithmName = (typeof ALGORITHM_NAMES)[number];

/** A finished (or failed) evaluation, as the algorithms see it: values are always to be minimized. */
export interface Observation {
  params: Params;
  /**
   * Objective value oriented for minimization; null when the trial failed. For a multi-objective job
   * the first objective, so an algorithm that reads only `value` still searches sensibly.
   */
  value: number | null;
  /** Every objective oriented for minimization, in objectives order: set for multi-objective successes. */
  values?: readonly number[];
  /**
   * How far the trial's metrics lie outside the job's constraints (sum of each bound's excess; +∞ when
   * a constraint metric was not reported); 0 when feasible. Set for successes of constrained jobs.
   */
  violation?: number;
}

/**
 * A search algorithm. It is stateless between calls: everything it knows comes from its arguments,
 * and its randomness is derived from the job seed and `index` (the ordinal of the first suggestion),
 * so an optimizer rebuilt from history continues exactly where it stopped.
 */
export interface Algorithm {
  suggest(request: SuggestRequest): Params[] | Promise<Params[]>;
}

/** Everything an algorithm may use to make suggestions. */
export interface SuggestRequest {
  /** How many suggestions are wanted; an algorithm may return fewer (e.g. an exhausted grid). */
  n: number;
  /** Told observations in the order they were told. */
  observations: readonly Observation[];
  /** Suggestions handed out but not yet told, in the order they were asked. */
  pending: readonly Params[];
  /** Ordinal of the first suggestion of this request = number of suggestions ever made before it. */
  index: number;
  /** The job seed. */
  seed: number;
}
