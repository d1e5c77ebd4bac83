import type { Params } from "../../api/parameters.ts";
import { createRng } from "./rng.ts";
import type { Space } from "./space.ts";
import type { Algorithm } from "./types.ts";

const RANDOM_STREAM = 0x7a4d;

/** A uniform point of the unit cube for the suggestion with ordinal `index`; independent of batching. */
export function uniformPoint(d: number, seed: number, index: number, stream: number = RANDOM_STREAM): number[] {
  const rng = createRng(seed, stream, index);
  return Array.from({ length: d }, () => rng.next());
}

/** Random search: each suggestion is a uniform draw in the unit cube (so log scales are sampled log-uniformly). */
export function createRandomSearch(space: Space, seed: number): Algorithm {
  const d = space.dimensions.length;
  return {
    suggest: ({ n, index }): Params[] => Array.from({ length: n }, (_, k) => space.fromUnit(uniformPoint(d, seed, index + k))),
  };
}
