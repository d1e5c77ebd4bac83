/**
 * Dense linear algebra on Float64Arrays, hand-written so the GP needs no native dependency. Symmetric
 * matrices and Cholesky factors are stored packed by rows (row i of the lower triangle, diagonal
 * included, at offset i(i+1)/2): a factor then grows by one point with a single row append, and every
 * inner loop is a contiguous dot product or axpy.
 */

/** Offset of row i in a packed lower triangle (also the number of entries in rows 0..i-1). */
export function rowStart(i: number): number {
  return (i * (i + 1)) / 2;
}

/**
 * Σ_{k<len} a[ia+k]·b[ib+k]. Four accumulators break the floating-point add latency chain; this is the
 * inner loop of every factorization and solve, so it sets the speed of the whole optimizer.
 */
export function dot(a: Float64Array, ia: number, b: Float64Array, ib: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ia + k]! * b[ib + k]!;
    s1 += a[ia + k + 1]! * b[ib + k + 1]!;
    s2 += a[ia + k + 2]! * b[ib + k + 2]!;
    s3 += a[ia + k + 3]! * b[ib + k + 3]!;
  }
  for (; k < len; k++) s0 += a[ia + k]! * b[ib + k]!;
  return s0 + s1 + (s2 + s3);
}

/** A growing Cholesky factor of K + jitter·I, with L packed by rows. */
export interface Cholesky {
  /** Packed lower-triangular factor; its length may exceed rowStart(n) (room to grow). */
  L: Float64Array;
  n: number;
  /** Jitter added to the diagonal (0 when K was numerically positive definite). */
  jitter: number;
}

/** An empty factor with room for `capacity` rows. */
export function emptyFactor(capacity: number, jitter: number): Cholesky {
  return { L: new Float64Array(rowStart(Math.max(1, capacity))), n: 0, jitter };
}

/** A copy of a factor with room for `extra` more rows, sharing nothing with the original. */
export function copyFactor(f: Cholesky, extra: number): Cholesky {
  const L = new Float64Array(rowStart(f.n + Math.max(1, extra)));
  L.set(f.L.subarray(0, rowStart(f.n)));
  return { L, n: f.n, jitter: f.jitter };
}

/**
 * Appends the row of a new point — covariances k[0..n) with the earlier points, variance kss — in
 * O(n²). Returns false and leaves the factor unchanged when the pivot is not positive, unless `floor`
 * is set: then a vanishing pivot is floored, which is what a believed point on top of an existing one
 * needs. A full factorization is exactly a sequence of appends (same arithmetic, same order), so a
 * factor extended row by row is bit-identical to one computed from scratch with the same jitter.
 */
export function appendRow(f: Cholesky, k: Float64Array, ik: number, kss: number, floor = false): boolean {
  const n = f.n;
  const row = rowStart(n);
  if (f.L.length < row + n + 1) {
    const grown = new Float64Array(rowStart(Math.max(2 * (n + 1), 16)));
    grown.set(f.L.subarray(0, row));
    f.L = grown;
  }
  const L = f.L;
  for (let j = 0; j < n; j++) {
    const off = rowStart(j);
    L[row + j] = (k[ik + j]! - dot(L, off, L, row, j)) / L[off + j]!;
  }
  const s = kss + f.jitter - dot(L, row, L, row, n);
  if (floor) {
    L[row + n] = Math.sqrt(Math.max(s, 1e-12 * Math.max(kss, 1e-300)));
  } else {
    if (!(s > 0) || !Number.isFinite(s)) return false;
    L[row + n] = Math.sqrt(s);
  }
  f.n = n + 1;
  return true;
}

/** Factors rows [from, n) of a packed symmetric matrix onto f (which holds rows 0..from-1); false when a pivot is not positive. */
export function factorRows(f: Cholesky, K: Float64Array, from: number, n: number): boolean {
  for (let i = from; i < n; i++) {
    const r = rowStart(i);
    if (!appendRow(f, K, r, K[r + i]!)) return false;
  }
  return true;
}

/**
 * Cholesky factorization of a packed symmetric n×n matrix with escalating diagonal jitter (0, then
 * 1e-10·max diagonal, ×10 per try), because kernel matrices of near-duplicate points are positive
 * definite only in exact arithmetic. Jitters up to `above` are skipped: a caller that saw a leading
 * block need that much knows smaller ones fail, so skipping them never changes the result.
 */
export function cholesky(K: Float64Array, n: number, capacity = n, above = -1): Cholesky {
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(K[rowStart(i) + i]!));
  const scale = maxDiag > 0 && Number.isFinite(maxDiag) ? maxDiag : 1;
  for (let jitter = 0; jitter <= scale; jitter = jitter === 0 ? 1e-10 * scale : jitter * 10) {
    if (jitter <= above) continue;
    const f = emptyFactor(capacity, jitter);
    if (factorRows(f, K, 0, n)) return f;
  }
  throw new Error(
    `cholesky: the ${n}×${n} kernel matrix is not positive definite even with jitter ${maxDiag}; ` +
      "it probably contains NaN or infinite entries (check the observations and hyperparameters)",
  );
}

/** Jittered Cholesky that reports failure as null instead of throwing (for trial hyperparameters). */
export function choleskyOrNull(K: Float64Array, n: number): Cholesky | null {
  try {
    return cholesky(K, n);
  } catch {
    return null;
  }
}

/** Solves L·x = b (forward substitution) into `out` (may alias b). */
export function solveLower(f: Cholesky, b: ArrayLike<number>, out: Float64Array): Float64Array {
  const L = f.L;
  for (let i = 0; i < f.n; i++) {
    const r = rowStart(i);
    out[i] = (b[i]! - dot(L, r, out, 0, i)) / L[r + i]!;
  }
  return out;
}

/** Solves Lᵀ·x = b (back substitution) into `out` (may alias b): column-oriented, so it walks rows of L. */
export function solveUpperT(f: Cholesky, b: ArrayLike<number>, out: Float64Array): Float64Array {
  const L = f.L;
  const n = f.n;
  for (let i = 0; i < n; i++) out[i] = b[i]!;
  for (let i = n - 1; i >= 0; i--) {
    const r = rowStart(i);
    const xi = out[i]! / L[r + i]!;
    out[i] = xi;
    for (let k = 0; k < i; k++) out[k] = out[k]! - L[r + k]! * xi;
  }
  return out;
}

/** Solves (L·Lᵀ)·x = b. */
export function cholSolve(f: Cholesky, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(f.n);
  solveLower(f, b, x);
  return solveUpperT(f, x, x);
}

/**
 * The inverse (L·Lᵀ)⁻¹, packed (needed for marginal-likelihood gradients): M = L⁻¹ row by row, then
 * K⁻¹ = Mᵀ·M. Both loops take four rows of M at a time, so each entry they update is read and
 * written once per four multiply-adds. `scratch` and `out` hold rowStart(n).
 */
export function cholInverse(f: Cholesky, scratch: Float64Array, out: Float64Array): Float64Array {
  const L = f.L;
  const n = f.n;
  const M = scratch;
  // Row i of M: M_i = -(1/L_ii)·Σ_{k<i} L_ik·M_k, with M_ii = 1/L_ii (row k of M has entries 0..k).
  for (let i = 0; i < n; i++) {
    const ri = rowStart(i);
    M.fill(0, ri, ri + i + 1);
    let k = 0;
    for (; k + 3 < i; k += 4) {
      const r0 = rowStart(k);
      const r1 = r0 + k + 1;
      const r2 = r1 + k + 2;
      const r3 = r2 + k + 3;
      const a0 = L[ri + k]!;
      const a1 = L[ri + k + 1]!;
      const a2 = L[ri + k + 2]!;
      const a3 = L[ri + k + 3]!;
      for (let j = 0; j <= k; j++) M[ri + j] = M[ri + j]! + a0 * M[r0 + j]! + a1 * M[r1 + j]! + a2 * M[r2 + j]! + a3 * M[r3 + j]!;
      M[ri + k + 1] = M[ri + k + 1]! + a1 * M[r1 + k + 1]! + a2 * M[r2 + k + 1]! + a3 * M[r3 + k + 1]!;
      M[ri + k + 2] = M[ri + k + 2]! + a2 * M[r2 + k + 2]! + a3 * M[r3 + k + 2]!;
      M[ri + k + 3] = M[ri + k + 3]! + a3 * M[r3 + k + 3]!;
    }
    for (; k < i; k++) {
      const a = L[ri + k]!;
      const rk = rowStart(k);
      for (let j = 0; j <= k; j++) M[ri + j] = M[ri + j]! + a * M[rk + j]!;
    }
    const d = 1 / L[ri + i]!;
    for (let j = 0; j < i; j++) M[ri + j] = -M[ri + j]! * d;
    M[ri + i] = d;
  }
  // (K⁻¹)_ij = Σ_{k≥i} M_ki·M_kj for j ≤ i.
  for (let i = 0; i < n; i++) {
    const ri = rowStart(i);
    out.fill(0, ri, ri + i + 1);
    let k = i;
    for (; k + 3 < n; k += 4) {
      const r0 = rowStart(k);
      const r1 = r0 + k + 1;
      const r2 = r1 + k + 2;
      const r3 = r2 + k + 3;
      const a0 = M[r0 + i]!;
      const a1 = M[r1 + i]!;
      const a2 = M[r2 + i]!;
      const a3 = M[r3 + i]!;
      for (let j = 0; j <= i; j++) out[ri + j] = out[ri + j]! + a0 * M[r0 + j]! + a1 * M[r1 + j]! + a2 * M[r2 + j]! + a3 * M[r3 + j]!;
    }
    for (; k < n; k++) {
      const rk = rowStart(k);
      const a = M[rk + i]!;
      for (let j = 0; j <= i; j++) out[ri + j] = out[ri + j]! + a * M[rk + j]!;
    }
  }
  return out;
}
