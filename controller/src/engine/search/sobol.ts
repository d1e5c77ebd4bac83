import type { Params } from "../../api/parameters.ts";
import { createRng } from "./rng.ts";
import type { Space } from "./space.ts";
import type { Algorithm } from "./types.ts";
import type { SobolSettings } from "../../api/search-settings.ts";

/**
 * Joe & Kuo (2008, new-joe-kuo-6.21201) primitive polynomials and initial direction numbers for
 * dimensions 2..40: [degree s, coefficients a, m_1..m_s]. Dimension 1 is the van der Corput sequence.
 */
const JOE_KUO: readonly (readonly [number, number, readonly number[]])[] = [
  [1, 0, [1]], [2, 1, [1, 3]], [3, 1, [1, 3, 1]], [3, 2, [1, 1, 1]], [4, 1, [1, 1, 3, 3]],
  [4, 4, [1, 3, 5, 13]], [5, 2, [1, 1, 5, 5, 17]], [5, 4, [1, 1, 5, 5, 5]], [5, 7, [1, 1, 7, 11, 19]],
  [5, 11, [1, 1, 5, 1, 1]], [5, 13, [1, 1, 1, 3, 11]], [5, 14, [1, 3, 5, 5, 31]], [6, 1, [1, 3, 3, 9, 7, 49]],
  [6, 13, [1, 1, 1, 15, 21, 21]], [6, 16, [1, 3, 1, 13, 27, 49]], [6, 19, [1, 1, 1, 15, 7, 5]],
  [6, 22, [1, 3, 1, 15, 13, 25]], [6, 25, [1, 1, 5, 5, 19, 61]], [7, 1, [1, 3, 7, 11, 23, 15, 103]],
  [7, 4, [1, 3, 7, 13, 13, 15, 69]], [7, 7, [1, 1, 3, 13, 7, 35, 63]], [7, 8, [1, 3, 5, 9, 1, 25, 53]],
  [7, 14, [1, 3, 1, 13, 9, 35, 107]], [7, 19, [1, 3, 1, 5, 27, 61, 31]], [7, 21, [1, 1, 5, 11, 19, 41, 61]],
  [7, 28, [1, 3, 5, 3, 3, 13, 69]], [7, 31, [1, 1, 7, 13, 1, 19, 1]], [7, 32, [1, 3, 7, 5, 13, 19, 59]],
  [7, 37, [1, 1, 3, 9, 25, 29, 41]], [7, 41, [1, 3, 5, 13, 23, 1, 55]], [7, 42, [1, 3, 7, 3, 13, 59, 17]],
  [7, 50, [1, 3, 1, 3, 5, 53, 69]], [7, 55, [1, 1, 5, 5, 23, 33, 13]], [7, 56, [1, 1, 7, 7, 1, 61, 123]],
  [7, 59, [1, 1, 7, 9, 13, 61, 49]], [7, 62, [1, 3, 3, 5, 3, 55, 33]], [8, 14, [1, 3, 1, 15, 31, 13, 49, 245]],
  [8, 21, [1, 3, 5, 15, 31, 59, 63, 97]], [8, 22, [1, 3, 1, 11, 11, 11, 77, 249]],
];

/** Bits per coordinate: 2^32 points before the sequence repeats. */
const BITS = 32;
/** Dimensions with embedded direction numbers; further dimensions fall back to seeded uniform draws. */
export const SOBOL_MAX_DIMENSIONS = JOE_KUO.length + 1;
const SCRAMBLE_STREAM = 0x50b0;
const OVERFLOW_STREAM = 0x50b1;

/** Direction numbers v_1..v_32 (as 32-bit integers, bit 31 = 2^-1) of one dimension (0-based). */
function directions(dim: number): Uint32Array {
  const v = new Uint32Array(BITS);
  if (dim === 0) {
    for (let i = 0; i < BITS; i++) v[i] = (1 << (31 - i)) >>> 0;
    return v;
  }
  const [s, a, m] = JOE_KUO[dim - 1] as readonly [number, number, readonly number[]];
  for (let i = 0; i < s && i < BITS; i++) v[i] = ((m[i] as number) << (31 - i)) >>> 0;
  for (let i = s; i < BITS; i++) {
    let x = ((v[i - s] as number) ^ ((v[i - s] as number) >>> s)) >>> 0;
    for (let k = 1; k < s; k++) {
      if ((a >>> (s - 1 - k)) & 1) x = (x ^ (v[i - k] as number)) >>> 0;
    }
    v[i] = x;
  }
  return v;
}

/** A Sobol generator over d dimensions; point(i) is the i-th point (0-based) in [0, 1)^d. */
export interface SobolSequence {
  point(i: number): number[];
}

/**
 * Creates a (optionally scrambled) Sobol sequence. The scramble is a random lower-triangular linear
 * matrix (Matoušek's LMS) plus a random digital shift per dimension, all derived from `seed`, so the
 * points keep their (t,s)-net structure while different seeds give independent-looking designs.
 */
export function createSobol(d: number, seed: number, scramble: boolean): SobolSequence {
  const sobolDims = Math.min(d, SOBOL_MAX_DIMENSIONS);
  const rng = createRng(seed, SCRAMBLE_STREAM);
  const dirs: Uint32Array[] = [];
  const shifts: number[] = [];
  for (let j = 0; j < sobolDims; j++) {
    const v = directions(j);
    if (!scramble) {
      dirs.push(v);
      shifts.push(0);
      continue;
    }
    // Row r of the lower-triangular scramble matrix: unit diagonal, random bits below it (bit 31 = row 0).
    const rows = new Uint32Array(BITS);
    for (let r = 0; r < BITS; r++) {
      const below = r === 0 ? 0 : Math.floor(rng.next() * 2 ** r) >>> 0;
      rows[r] = ((below << (32 - r)) | (1 << (31 - r))) >>> 0;
      if (r === 0) rows[r] = 0x80000000;
    }
    const sv = new Uint32Array(BITS);
    for (let i = 0; i < BITS; i++) {
      let out = 0;
      for (let r = 0; r < BITS; r++) {
        // Output bit r is the parity of (row r AND v_i).
        if (popcount(((rows[r] as number) & (v[i] as number)) >>> 0) & 1) out |= 1 << (31 - r);
      }
      sv[i] = out >>> 0;
    }
    dirs.push(sv);
    shifts.push(Math.floor(rng.next() * 4294967296) >>> 0);
  }
  return {
    point(i) {
      const gray = (i ^ Math.floor(i / 2)) >>> 0;
      const out: number[] = [];
      for (let j = 0; j < sobolDims; j++) {
        const v = dirs[j] as Uint32Array;
        let x = shifts[j] as number;
        for (let b = 0; b < BITS; b++) if ((gray >>> b) & 1) x = (x ^ (v[b] as number)) >>> 0;
        out.push(x / 4294967296);
      }
      if (d > sobolDims) {
        const r = createRng(seed, OVERFLOW_STREAM, i);
        for (let j = sobolDims; j < d; j++) out.push(r.next());
      }
      return out;
    },
  };
}

function popcount(x: number): number {
  let n = x - ((x >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (((n + (n >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Quasi-random search: the suggestion with ordinal `index` is point `index` of the seeded Sobol sequence. */
export function createSobolSearch(space: Space, settings: SobolSettings, seed: number): Algorithm {
  const seq = createSobol(space.dimensions.length, seed, settings.scramble);
  return {
    suggest: ({ n, index }): Params[] => Array.from({ length: n }, (_, k) => space.fromUnit(seq.point(index + k))),
  };
}
