/**
 * Encoding of unit-cube points for the kernel: continuous and ordinal coordinates stay in [0, 1]
 * (ordinal ones snapped to their level centres), categorical coordinates become level indices.
 */
import type { Space } from "../space.ts";
import type { KernelLayout } from "./kernel.ts";

/** The kernel layout of a space. */
export function layoutOf(space: Space): KernelLayout {
  const metric: number[] = [];
  const categorical: number[] = [];
  space.dimensions.forEach((d, i) => (d.kind === "categorical" ? categorical : metric).push(i));
  return { dims: space.dimensions.length, metric, categorical };
}

/**
 * Snaps a unit point in place to what it represents: ordinal/categorical coordinates go to their level
 * centre, and those of parameters inactive there to the space's fixed neutral value, so the kernel sees
 * no difference between points that differ only in parameters they do not use.
 */
export function snap(space: Space, u: Float64Array): Float64Array {
  const dims = space.dimensions;
  for (let j = 0; j < dims.length; j++) {
    const d = dims[j]!;
    const x = u[j]!;
    const c = x < 0 ? 0 : x > 1 ? 1 : Number.isNaN(x) ? 0.5 : x;
    u[j] = d.kind === "continuous" ? c : (space.levelOf(j, c) + 0.5) / d.levels;
  }
  return space.neutralize(u);
}

/** Writes the kernel encoding of a (snapped) unit point into out. */
export function encode(space: Space, u: ArrayLike<number>, out: Float64Array): Float64Array {
  const dims = space.dimensions;
  for (let j = 0; j < dims.length; j++) out[j] = dims[j]!.kind === "categorical" ? space.levelOf(j, u[j]!) : u[j]!;
  return out;
}
