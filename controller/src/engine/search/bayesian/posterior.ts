/** The GP posterior for fixed hyperparameters, with Kriging-believer updates for pending points. */
import { cholesky, choleskyAppend, cholSolve, type Cholesky } from "./linalg.ts";
import { kernelMatrix, type KernelLayout, type KernelParams } from "./kernel.ts";

const SQRT5 = Math.sqrt(5);

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
  /**
   * Conditions on y(x) = current posterior mean (Kriging believer): the mean is unchanged everywhere,
   * the variance collapses around x, so the next suggestion moves elsewhere.
   */
  believe(x: ArrayLike<number>): void;
}

/** Builds the posterior of targets y (length n) at encoded rows X (n × layout.dims). */
export function createPosterior(layout: KernelLayout, params: KernelParams, X0: Float64Array, y0: Float64Array, n0: number): Posterior {
  const D = layout.dims;
  let n = n0;
  let X = X0.slice(0, n * D);
  let y = y0.slice(0, n);
  let chol: Cholesky = cholesky(kernelMatrix(layout, params, X, n), n);
  let alpha = cholSolve(chol.L, n, y);
  let k = new Float64Array(n);
  let v = new Float64Array(n);
  const out: Prediction = { mean: 0, sd: 0 };
  const floorVar = 1e-12 * params.signal;

  const metric = Int32Array.from(layout.metric);
  const categorical = Int32Array.from(layout.categorical);
  const { invSq, catWeight, signal } = params;
  const predict = (x: ArrayLike<number>): Prediction => {
    // Kernel and forward substitution fused into one pass over the rows of L (this is the hot loop of
    // acquisition optimization): row i of L·v = k needs only v[0..i-1].
    const L = chol.L;
    let mean = 0;
    let explained = 0;
    for (let i = 0; i < n; i++) {
      const ri = i * D;
      let d2 = 0;
      for (let j = 0; j < metric.length; j++) {
        const q = metric[j]!;
        const diff = X[ri + q]! - x[q]!;
        d2 += invSq[j]! * diff * diff;
      }
      let logCat = 0;
      for (let c = 0; c < categorical.length; c++) {
        const q = categorical[c]!;
        if (X[ri + q] !== x[q]) logCat -= catWeight[c]!;
      }
      const r = Math.sqrt(d2);
      const ki = signal * (1 + SQRT5 * r + (5 / 3) * d2) * Math.exp(logCat - SQRT5 * r);
      k[i] = ki;
      mean += ki * alpha[i]!;
      const li = i * n;
      let s = ki;
      for (let m = 0; m < i; m++) s -= L[li + m]! * v[m]!;
      const vi = s / L[li + i]!;
      v[i] = vi;
      explained += vi * vi;
    }
    out.mean = mean;
    out.sd = Math.sqrt(Math.max(signal - explained, floorVar));
    return out;
  };

  return {
    get size() {
      return n;
    },
    predict,
    believe: (x) => {
      const { mean } = predict(x);
      chol = choleskyAppend(chol, k, params.signal + params.noise);
      const X2 = new Float64Array((n + 1) * D);
      X2.set(X);
      for (let j = 0; j < D; j++) X2[n * D + j] = x[j]!;
      const y2 = new Float64Array(n + 1);
      y2.set(y);
      y2[n] = mean;
      X = X2;
      y = y2;
      n++;
      alpha = cholSolve(chol.L, n, y);
      k = new Float64Array(n);
      v = new Float64Array(n);
    },
  };
}
