import type { Parameter, Params, ParamValue } from "../../api/parameters.ts";
import { createRng } from "./rng.ts";
import type { Space } from "./space.ts";
import type { Algorithm } from "./types.ts";
import type { GridSettings } from "../../api/search-settings.ts";

const GRID_STREAM = 0x9e1d;

/** The values a grid takes for one parameter, in ascending (or declared, for categoricals) order. */
export function gridValues(space: Space, p: Parameter, dim: number): ParamValue[] {
  const d = space.dimensions[dim];
  if (!d || !Number.isFinite(d.levels)) {
    throw new Error(
      `grid search needs a step for continuous parameter ${p.name}: add step: <size> to it, or use algorithm sobol, random, tpe or bayesian`,
    );
  }
  if (p.type === "int" && p.scale === "log") {
    return Array.from({ length: p.max - p.min + 1 }, (_, i) => p.min + i);
  }
  const values: ParamValue[] = [];
  for (let i = 0; i < d.levels; i++) {
    const u = space.dimensions.map((_, j) => (j === dim ? (i + 0.5) / d.levels : 0.5));
    values.push(space.fromUnit(u)[p.name] as ParamValue);
  }
  return values;
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

/**
 * Exhaustive search over the Cartesian product. Ordinal k of the (lexicographic, last parameter
 * fastest) grid is visited at position k, or at position (a·k + b) mod N for "shuffled" (a coprime
 * with N, both seeded): a bijection, so nothing repeats and nothing is skipped. Each call returns the
 * first n grid points in visiting order that are neither told nor pending, so an exhausted grid yields [].
 */
export function createGridSearch(space: Space, settings: GridSettings, seed: number): Algorithm {
  const axes = space.parameters.map((p, i) => gridValues(space, p, i));
  const size = axes.reduce((acc, a) => acc * a.length, 1);
  if (!Number.isSafeInteger(size)) {
    throw new Error(`grid search: the grid has ${size} points, too many to enumerate; use larger steps or fewer values`);
  }
  let mul = 1;
  let add = 0;
  if (settings.order === "shuffled" && size > 1) {
    const rng = createRng(seed, GRID_STREAM);
    add = Math.floor(rng.next() * size);
    mul = 1 + Math.floor(rng.next() * (size - 1));
    while (gcd(mul, size) !== 1) mul = (mul % (size - 1)) + 1;
  }
  const pointAt = (position: number): Params => {
    // BigInt keeps the modular product exact for grids of up to 2^53 points.
    let k = Number((BigInt(mul) * BigInt(position) + BigInt(add)) % BigInt(size));
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
  };
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
