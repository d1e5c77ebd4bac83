/**
 * Quasi-random points: the additive recurrence (Kronecker) sequence of Roberts (2018) with a random
 * shift. It is low-discrepancy in any dimension, extends one point at a time (so the initial design
 * can be continued without state), and needs no direction-number tables.
 */
import type { Rng } from "../rng.ts";

/** The R_d generator: α_j = φ_d^-(j+1), φ_d the unique positive root of x^(d+1) = x + 1. */
export function kroneckerBasis(d: number): Float64Array {
  let phi = 2;
  for (let i = 0; i < 50; i++) phi = Math.pow(1 + phi, 1 / (d + 1));
  const alpha = new Float64Array(d);
  for (let j = 0; j < d; j++) alpha[j] = Math.pow(1 / phi, j + 1) % 1;
  return alpha;
}

/** Point i of the shifted sequence, written into out. */
export function kroneckerPoint(alpha: Float64Array, shift: ArrayLike<number>, i: number, out: Float64Array): Float64Array {
  for (let j = 0; j < alpha.length; j++) {
    const v = shift[j]! + (i + 1) * alpha[j]!;
    out[j] = v - Math.floor(v);
  }
  return out;
}

/** A uniform random shift vector. */
export function randomShift(rng: Rng, d: number): Float64Array {
  const s = new Float64Array(d);
  for (let j = 0; j < d; j++) s[j] = rng.next();
  return s;
}
