/** The GP posterior for fixed hyperparameters, with Kriging-believer updates for pending points. */
import { cholesky, choleskyAppend, cholSolve, solveLower, type Cholesky } from "./linalg.ts";
import { kernelAt, kernelMatrix, type KernelLayout, type KernelParams } from "./kernel.ts";

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

  const predict = (x: ArrayLike<number>): Prediction => {
    let mean = 0;
    for (let i = 0; i < n; i++) {
      const ki = kernelAt(layout, params, X, i, x);
      k[i] = ki;
      mean += ki * alpha[i]!;
    }
    solveLower(chol.L, n, k, v);
    let explained = 0;
    for (let i = 0; i < n; i++) explained += v[i]! * v[i]!;
    out.mean = mean;
    out.sd = Math.sqrt(Math.max(params.signal - explained, floorVar));
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
