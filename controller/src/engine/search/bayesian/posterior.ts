/** The GP posterior for fixed hyperparameters, with Kriging-believer updates for pending points. */
import { appendRow, cholesky, cholSolve, copyFactor, dot, emptyFactor, factorRows, rowStart, type Cholesky } from "./linalg.ts";
import { crossCovariance, kernelRows, type KernelLayout, type KernelParams } from "./kernel.ts";
import type { Pacer } from "./pace.ts";

/** Mean and standard deviation of the latent function at one point. */
export interface Prediction {
  mean: number;
  sd: number;
}

/** A fitted GP posterior that can be queried and extended with believed (fantasized) points. */
export interface Posterior {
  /** Number of conditioning points (observations plus believed points). */
  readonly size: number;
  /** Predicts at an encoded point; the returned object is reused by the next call. */
  predict(x: ArrayLike<number>): Prediction;
  /** Predicts at `count` encoded points stored one after another in xs, into means and sds. */
  predictMany(xs: Float64Array, count: number, means: Float64Array, sds: Float64Array): void;
  /**
   * Conditions on y(x) = current posterior mean (Kriging believer): the mean is unchanged everywhere,
   * the variance collapses around x, so the next suggestion moves elsewhere.
   */
  believe(x: ArrayLike<number>): void;
}

/** Points predicted together: each row of the factor is then read once per block instead of per point. */
const BLOCK = 16;
/** Factors kept for reuse (see `createPosterior`). */
const MEMO_SIZE = 8;

interface Memo {
  key: string;
  X: Float64Array;
  chol: Cholesky;
}
const memo: Memo[] = [];

/** The memoized factor with this key whose points are the longest prefix of X's first n rows. */
function longestPrefix(key: string, X: Float64Array, n: number, D: number): Memo | null {
  let best: Memo | null = null;
  for (const m of memo) {
    if (m.key !== key || m.chol.n > n || (best && best.chol.n >= m.chol.n)) continue;
    let same = true;
    for (let i = 0; same && i < m.chol.n * D; i++) same = m.X[i] === X[i];
    if (same) best = m;
  }
  return best;
}

/** Forgets every memoized factor (results are unaffected; only time and memory are). */
export function clearPosteriorMemo(): void {
  memo.length = 0;
}

/**
 * Factor of the kernel matrix of X's first n rows. With a memo key (identifying layout and
 * hyperparameters), the longest memoized prefix factor is extended by row appends instead of
 * refactored: O(n²) per new observation instead of O(n³). Appends are the factorization's own
 * arithmetic, so the result is bit-identical to a cold factorization; when a pivot fails, the cold
 * path's jitter escalation runs, starting past the jitter already tried. Rows are appended one at a
 * time under the pacer, so a large factorization does not stall the event loop.
 */
async function factorFor(
  layout: KernelLayout,
  params: KernelParams,
  X: Float64Array,
  n: number,
  capacity: number,
  key: string | null,
  pacer: Pacer | null,
): Promise<Cholesky> {
  const D = layout.dims;
  const K = new Float64Array(rowStart(n));
  const prefix = key === null ? null : longestPrefix(key, X, n, D);
  const from = prefix ? prefix.chol.n : 0;
  let chol = prefix ? copyFactor(prefix.chol, capacity - from) : emptyFactor(capacity, 0);
  let ok = true;
  for (let i = from; ok && i < n; i++) {
    kernelRows(layout, params, X, i, i + 1, K);
    ok = factorRows(chol, K, i, i + 1);
    // The row's factorization (i²/2) plus its kernel entries (~25 multiply-adds each, for the exp/sqrt).
    const turn = pacer?.spend((i * i) / 2 + 25 * i);
    if (turn) await turn;
  }
  if (!ok) {
    kernelRows(layout, params, X, 0, n, K);
    chol = cholesky(K, n, capacity, chol.jitter);
  }
  if (key !== null && from < n) {
    memo.unshift({ key, X: X.slice(0, n * D), chol: copyFactor(chol, 0) });
    if (memo.length > MEMO_SIZE) memo.pop();
  }
  return chol;
}

/**
 * Builds the posterior of targets y (length n) at encoded rows X (n × layout.dims). `memoKey`, when
 * given, must identify layout and params exactly; it lets asks that share a prefix of observations
 * share the factorization work (see `factorFor`). A pacer lets the event loop run while factoring.
 */
export async function createPosterior(
  layout: KernelLayout,
  params: KernelParams,
  X0: Float64Array,
  y0: Float64Array,
  n0: number,
  memoKey: string | null = null,
  pacer: Pacer | null = null,
): Promise<Posterior> {
  const D = layout.dims;
  let n = n0;
  let X = X0.slice(0, n * D);
  let y = y0.slice(0, n);
  const chol = await factorFor(layout, params, X, n, n + 8, memoKey, pacer);
  let alpha = cholSolve(chol, y);
  let Kb = new Float64Array(BLOCK * n);
  let V = new Float64Array(BLOCK * n);
  const one = { xs: new Float64Array(D), means: new Float64Array(1), sds: new Float64Array(1) };
  const out: Prediction = { mean: 0, sd: 0 };
  const signal = params.signal;
  const floorVar = 1e-12 * signal;

  const predictMany = (xs: Float64Array, count: number, means: Float64Array, sds: Float64Array): void => {
    const L = chol.L;
    for (let b0 = 0; b0 < count; b0 += BLOCK) {
      const B = Math.min(BLOCK, count - b0);
      for (let b = 0; b < B; b++) crossCovariance(layout, params, X, n, xs, (b0 + b) * D, Kb, b * n);
      // Forward substitution L·v = k for the whole block, row by row. Four points at a time share each
      // load of L and keep four independent accumulation chains in flight.
      for (let i = 0; i < n; i++) {
        const r = rowStart(i);
        const d = L[r + i]!;
        let b = 0;
        for (; b + 3 < B; b += 4) {
          const v0 = b * n;
          const v1 = v0 + n;
          const v2 = v1 + n;
          const v3 = v2 + n;
          let s0 = Kb[v0 + i]!;
          let s1 = Kb[v1 + i]!;
          let s2 = Kb[v2 + i]!;
          let s3 = Kb[v3 + i]!;
          for (let m = 0; m < i; m++) {
            const l = L[r + m]!;
            s0 -= l * V[v0 + m]!;
            s1 -= l * V[v1 + m]!;
            s2 -= l * V[v2 + m]!;
            s3 -= l * V[v3 + m]!;
          }
          V[v0 + i] = s0 / d;
          V[v1 + i] = s1 / d;
          V[v2 + i] = s2 / d;
          V[v3 + i] = s3 / d;
        }
        for (; b < B; b++) {
          const vb = b * n;
          let s = Kb[vb + i]!;
          for (let m = 0; m < i; m++) s -= L[r + m]! * V[vb + m]!;
          V[vb + i] = s / d;
        }
      }
      for (let b = 0; b < B; b++) {
        const vb = b * n;
        means[b0 + b] = dot(Kb, vb, alpha, 0, n);
        sds[b0 + b] = Math.sqrt(Math.max(signal - dot(V, vb, V, vb, n), floorVar));
      }
    }
  };

  const predict = (x: ArrayLike<number>): Prediction => {
    for (let j = 0; j < D; j++) one.xs[j] = x[j]!;
    predictMany(one.xs, 1, one.means, one.sds);
    out.mean = one.means[0]!;
    out.sd = one.sds[0]!;
    return out;
  };

  return {
    get size() {
      return n;
    },
    predict,
    predictMany,
    believe: (x) => {
      const { mean } = predict(x);
      // predict left x's covariances with the n conditioning points in Kb[0..n).
      appendRow(chol, Kb, 0, signal + params.noise, true);
      const X2 = new Float64Array((n + 1) * D);
      X2.set(X);
      for (let j = 0; j < D; j++) X2[n * D + j] = x[j]!;
      const y2 = new Float64Array(n + 1);
      y2.set(y);
      y2[n] = mean;
      X = X2;
      y = y2;
      n++;
      alpha = cholSolve(chol, y);
      Kb = new Float64Array(BLOCK * n);
      V = new Float64Array(BLOCK * n);
    },
  };
}
