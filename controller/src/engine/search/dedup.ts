/** Finding a free point when an algorithm proposes one that is already observed or pending. */
import type { Params } from "../../api/parameters.ts";
import { gridValues } from "./grid.ts";
import { uniformPoint } from "./random.ts";
import { createRng } from "./rng.ts";
import type { Space } from "./space.ts";

const DEDUP_STREAM = 0xdd0b;
const DEDUP_RANDOM_TRIES = 64;
/** Finite spaces up to this size are enumerated to find a free point when random draws keep colliding. */
const ENUMERATE_LIMIT = 1_000_000;

/** A free point for slot `index` when the algorithm proposed a taken one: random draws, then enumeration. */
export function freePoint(space: Space, taken: ReadonlySet<string>, seed: number, index: number): Params | null {
  const d = space.dimensions.length;
  for (let t = 0; t < DEDUP_RANDOM_TRIES; t++) {
    const p = space.fromUnit(uniformPoint(d, seed, index * DEDUP_RANDOM_TRIES + t, DEDUP_STREAM));
    if (!taken.has(space.key(p))) return p;
  }
  if (!Number.isFinite(space.size) || space.size > ENUMERATE_LIMIT) return null;
  const axes = space.parameters.map((p, i) => gridValues(space, p, i));
  const free: Params[] = [];
  const total = axes.reduce((a, x) => a * x.length, 1);
  for (let k = 0; k < total; k++) {
    const p: Params = {};
    let r = k;
    for (let i = axes.length - 1; i >= 0; i--) {
      const axis = axes[i] ?? [];
      p[space.parameters[i]?.name ?? ""] = axis[r % axis.length] ?? 0;
      r = Math.floor(r / axis.length);
    }
    if (!taken.has(space.key(p))) free.push(p);
  }
  if (free.length === 0) return null;
  return space.fromUnit(space.toUnit(free[createRng(seed, DEDUP_STREAM, index).int(free.length)] as Params));
}
