/**
 * Dense linear algebra on row-major Float64Array matrices, hand-written so the GP needs no native
 * dependency and allocates nothing in its inner loops.
 */

/** Result of a jittered Cholesky factorization: K + jitter·I = L·Lᵀ. */
export interface Cholesky {
  /** Lower-triangular factor, row-major n×n (upper part is zero). */
  L: Float64Array;
  n: number;
  /** Jitter that had to be added to the diagonal (0 when K was numerically positive definite). */
  jitter: number;
}

/**
 * Factors a symmetric matrix in place into `out` (lower triangle), returning false when a pivot is not
 * positive. Reads only the lower triangle of `a`.
 */
function tryCholesky(a: Float64Array, n: number, jitter: number, out: Float64Array): boolean {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j]!;
      if (i === j) s += jitter;
      for (let k = 0; k < j; k++) s -= out[ri + k]! * out[rj + k]!;
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) return false;
        out[ri + i] = Math.sqrt(s);
      } else {
        out[ri + j] = s / out[rj + j]!;
      }
    }
    for (let j = i + 1; j < n; j++) out[ri + j] = 0;
  }
  return true;
}

/**
 * Cholesky factorization with escalating diagonal jitter (starting at 1e-10·mean diagonal, ×10 per try),
 * because kernel matrices of near-duplicate points are positive definite only in exact arithmetic.
 */
export function cholesky(a: Float64Array, n: number): Cholesky {
  const L = new Float64Array(n * n);
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += Math.abs(a[i * n + i]!);
  meanDiag = n > 0 && meanDiag > 0 && Number.isFinite(meanDiag) ? meanDiag / n : 1;
  if (tryCholesky(a, n, 0, L)) return { L, n, jitter: 0 };
  for (let jitter = 1e-10 * meanDiag; jitter <= meanDiag; jitter *= 10) {
    if (tryCholesky(a, n, jitter, L)) return { L, n, jitter };
  }
  throw new Error(
    `cholesky: the ${n}×${n} kernel matrix is not positive definite even with jitter ${meanDiag}; ` +
      "it probably contains NaN or infinite entries (check the observations and hyperparameters)",
  );
}

/** Solves L·x = b for lower-triangular L (forward substitution), writing x into `out` (may alias b). */
export function solveLower(L: Float64Array, n: number, b: ArrayLike<number>, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[ri + k]! * out[k]!;
    out[i] = s / L[ri + i]!;
  }
  return out;
}

/** Solves Lᵀ·x = b for lower-triangular L (back substitution), writing x into `out` (may alias b). */
export function solveUpperT(L: Float64Array, n: number, b: ArrayLike<number>, out: Float64Array): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * out[k]!;
    out[i] = s / L[i * n + i]!;
  }
  return out;
}

/** Solves (L·Lᵀ)·x = b. */
export function cholSolve(L: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  solveLower(L, n, b, x);
  return solveUpperT(L, n, x, x);
}

/** The full inverse (L·Lᵀ)⁻¹ as a symmetric row-major matrix (needed for marginal-likelihood gradients). */
export function cholInverse(L: Float64Array, n: number): Float64Array {
  // M = L⁻¹ row by row, then K⁻¹ = Mᵀ·M; both loops walk rows contiguously.
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k < i; k++) {
      const a = L[ri + k]!;
      if (a === 0) continue;
      const rk = k * n;
      for (let j = 0; j <= k; j++) M[ri + j] = M[ri + j]! - a * M[rk + j]!;
    }
    const d = 1 / L[ri + i]!;
    for (let j = 0; j < i; j++) M[ri + j] = M[ri + j]! * d;
    M[ri + i] = d;
  }
  const inv = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    for (let i = 0; i <= k; i++) {
      const a = M[rk + i]!;
      if (a === 0) continue;
      const ri = i * n;
      for (let j = 0; j <= i; j++) inv[ri + j] = inv[ri + j]! + a * M[rk + j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) inv[j * n + i] = inv[i * n + j]!;
  return inv;
}

/**
 * Extends a Cholesky factor of an n×n matrix by one row/column (the new point's covariances `k` with
 * the old points and its own variance `kss`), in O(n²) instead of refactoring.
 */
export function choleskyAppend(chol: Cholesky, k: ArrayLike<number>, kss: number): Cholesky {
  const n = chol.n;
  const m = n + 1;
  const L = new Float64Array(m * m);
  for (let i = 0; i < n; i++) L.set(chol.L.subarray(i * n, i * n + n), i * m);
  const row = new Float64Array(n);
  solveLower(chol.L, n, k, row);
  let s = kss + chol.jitter;
  for (let i = 0; i < n; i++) {
    L[n * m + i] = row[i]!;
    s -= row[i]! * row[i]!;
  }
  // A believer point on top of an existing one can leave no variance; floor it so the factor stays valid.
  L[n * m + n] = Math.sqrt(Math.max(s, 1e-12 * Math.max(kss, 1e-300)));
  return { L, n: m, jitter: chol.jitter };
}

/** Jittered Cholesky that reports failure as null instead of throwing (for trial hyperparameters). */
export function choleskyOrNull(a: Float64Array, n: number): Cholesky | null {
  try {
    return cholesky(a, n);
  } catch {
    return null;
  }
}
