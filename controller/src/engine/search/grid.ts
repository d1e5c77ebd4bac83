import type { Parameter, Params, ParamValue } from "../../api/parameters.ts";
import { activePoints } from "./conditional.ts";
import { createRng } from "./rng.ts";
import { axisValues, type Space } from "./space.ts";
import type { Algorithm } from "./types.ts";
import type { GridSettings } from "../../api/search-settings.ts";

const GRID_STREAM = 0x9e1d;
/** Conditional grids are listed in memory; beyond this many points they are refused. */
const CONDITIONAL_GRID_LIMIT = 1_000_000;

/** The values a grid takes for one parameter, in ascending (or declared, for categoricals) order. */
export function gridValues(space: Space, p: Parameter, dim: number): ParamValue[] {
  const d = space.dimensions[dim];
  if (!d || !Number.isFinite(d.levels)) {
    throw new Error(
      `grid search needs a step for continuous parameter ${p.name}: add step: <size> to it, or use algorithm sobol, random, tpe or bayesian`,
    );
  }
  return axisValues(p, d);
}

/** Checks up front that every parameter can be put on a grid; throws a message naming the first that cannot. */
export function checkGridable(space: Space): void {
  space.parameters.forEach((p, i) => gridValues(space, p, i));
}

/** Greatest common divisor, for picking a multiplier coprime with the grid size. */
function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** A grid's points by ordinal: `at(k)` for k in [0, size). */
interface Ordinal {
  size: number;
  at(k: number): Params;
}

/** The Cartesian product of the axes, lexicographic with the last parameter fastest, without materializing it. */
function productGrid(space: Space, axes: readonly ParamValue[][]): Ordinal {
  const size = axes.reduce((acc, a) => acc * a.length, 1);
  if (!Number.isSafeInteger(size)) {
    throw new Error(`grid search: the grid has ${size} points, too many to enumerate; use larger steps or fewer values`);
  }
  return {
    size,
    at: (ordinal) => {
      let k = ordinal;
      const digits = new Array<number>(axes.length);
      for (let i = axes.length - 1; i >= 0; i--) {
        const len = (axes[i] as ParamValue[]).length;
        digits[i] = k % len;
        k = Math.floor(k / len);
      }
      const out: Params = {};
      space.parameters.forEach((p, i) => {
        out[p.name] = (axes[i] as ParamValue[])[digits[i] as number] as ParamValue;
      });
      return out;
    },
  };
}

/** A conditional grid: each distinct assignment of active parameters once (every branch enumerated on its own). */
function conditionalGrid(space: Space, axes: readonly ParamValue[][]): Ordinal {
  const points = activePoints(space.parameters, axes, CONDITIONAL_GRID_LIMIT);
  if (points === null) {
    throw new Error(`grid search: the conditional grid has more than ${CONDITIONAL_GRID_LIMIT} points, too many to enumerate; use larger steps or fewer values`);
  }
  return { size: points.length, at: (k) => points[k] as Params };
}

/**
 * Exhaustive search over the Cartesian product (or, with conditions, over every branch's product). Ordinal k of the (lexicographic, last parameter
 * fastest) grid is visited at position k, or at position (a·k + b) mod N for "shuffled" (a coprime
 * with N, both seeded): a bijection, so nothing repeats and nothing is skipped. Each call returns the
 * first n grid points in visiting order that are neither told nor pending, so an exhausted grid yields [].
 */
export function createGridSearch(space: Space, settings: GridSettings, seed: number): Algorithm {
  const axes = space.parameters.map((p, i) => gridValues(space, p, i));
  const ordinal = space.conditional ? conditionalGrid(space, axes) : productGrid(space, axes);
  const size = ordinal.size;
  let mul = 1;
  let add = 0;
  if (settings.order === "shuffled" && size > 1) {
    const rng = createRng(seed, GRID_STREAM);
    add = Math.floor(rng.next() * size);
    mul = 1 + Math.floor(rng.next() * (size - 1));
    while (gcd(mul, size) !== 1) mul = (mul % (size - 1)) + 1;
  }
  // BigInt keeps the modular product exact for grids of up to 2^53 points.
  const pointAt = (position: number): Params => ordinal.at(Number((BigInt(mul) * BigInt(position) + BigInt(add)) % BigInt(size)));
  return {
    suggest: ({ n, observations, pending }): Params[] => {
      const taken = new Set<string>();
      for (const o of observations) taken.add(space.key(o.params));
      for (const p of pending) taken.add(space.key(p));
      const out: Params[] = [];
      for (let pos = 0; pos < size && out.length < n; pos++) {
        const p = pointAt(pos);
        const key = space.key(p);
        if (taken.has(key)) continue;
        taken.add(key);
        out.push(p);
      }
      return out;
    },
  };
}
