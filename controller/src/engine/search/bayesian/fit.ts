/**
 * MAP fit of the kernel hyperparameters: minimize the negative log marginal likelihood plus
 * log-normal priors over log-parameters with L-BFGS and analytic gradients.
 *
 * Priors (targets are standardized, inputs live in [0, 1]):
 * - lengthscale ℓ: log ℓ ~ N(√2 + ½·log D, 3) — the dimension-scaled prior of Hvarfner et al. (2024),
 *   BoTorch's default: long lengthscales unless the data insist, which keeps 20-D problems tractable;
 * - categorical mismatch weight w: log w ~ N(-1 - ½·log D, 1.5²);
 * - signal variance s²: log s² ~ N(0, 1.5²);
 * - noise above its floor: log ν ~ N(log 1e-3, 3²) — small for deterministic objectives, free to grow.
 */
import { cholInverse, cholSolve, choleskyOrNull } from "./linalg.ts";
import { hyperCount, nllGradient, paramsFromLog, kernelMatrix, type KernelLayout } from "./kernel.ts";
import { lbfgs } from "./lbfgs.ts";

/** Prior means/sds over the log-hyperparameter vector, in the kernel's layout order. */
export interface Prior {
  mean: Float64Array;
  sd: Float64Array;
}

const LOG_2PI = Math.log(2 * Math.PI);
/** Log-parameters are kept inside this box by a steep quadratic wall, so no fit can run off to ±∞. */
const RHO_LIMIT = 18;

/** The priors described above, expressed over ρ = [log θ…, log w…, log s², log ν]. */
export function defaultPrior(layout: KernelLayout): Prior {
  const nm = layout.metric.length;
  const nc = layout.categorical.length;
  const p = hyperCount(layout);
  const D = Math.max(1, layout.dims);
  const mean = new Float64Array(p);
  const sd = new Float64Array(p);
  // θ = ℓ⁻², so log θ = -2·log ℓ: mean and sd transform linearly.
  for (let j = 0; j < nm; j++) {
    mean[j] = -2 * (Math.SQRT2 + 0.5 * Math.log(D));
    sd[j] = 2 * Math.sqrt(3);
  }
  for (let c = 0; c < nc; c++) {
    mean[nm + c] = -1 - 0.5 * Math.log(D);
    sd[nm + c] = 1.5;
  }
  mean[nm + nc] = 0;
  sd[nm + nc] = 1.5;
  mean[nm + nc + 1] = Math.log(1e-3);
  sd[nm + nc + 1] = 3;
  return { mean, sd };
}

/** A neutral starting point: lengthscales 0.5, mismatch weight 1, unit signal, noise 1e-3. */
export function defaultStart(layout: KernelLayout): Float64Array {
  const nm = layout.metric.length;
  const nc = layout.categorical.length;
  const rho = new Float64Array(hyperCount(layout));
  for (let j = 0; j < nm; j++) rho[j] = Math.log(4);
  for (let c = 0; c < nc; c++) rho[nm + c] = 0;
  rho[nm + nc] = 0;
  rho[nm + nc + 1] = Math.log(1e-3);
  return rho;
}

/** Negative log posterior of ρ (up to a constant) and its gradient. */
export function negLogPosterior(
  layout: KernelLayout,
  prior: Prior,
  X: Float64Array,
  y: Float64Array,
  n: number,
  noiseFloor: number,
  rho: Float64Array,
  grad: Float64Array,
): number {
  const p = paramsFromLog(layout, rho, noiseFloor);
  const K = kernelMatrix(layout, p, X, n);
  const chol = choleskyOrNull(K, n);
  if (!chol) return Infinity;
  const alpha = cholSolve(chol.L, n, y);
  let nll = 0.5 * n * LOG_2PI;
  for (let i = 0; i < n; i++) nll += 0.5 * y[i]! * alpha[i]! + Math.log(chol.L[i * n + i]!);
  const W = cholInverse(chol.L, n);
  for (let a = 0; a < n; a++) {
    const aa = alpha[a]!;
    for (let b = 0; b < n; b++) W[a * n + b] = W[a * n + b]! - aa * alpha[b]!;
  }
  const nc = layout.categorical.length;
  const nm = layout.metric.length;
  nllGradient(layout, p, X, n, W, Math.exp(rho[nm + nc + 1]!), grad);
  for (let i = 0; i < rho.length; i++) {
    const r = rho[i]!;
    const z = (r - prior.mean[i]!) / prior.sd[i]!;
    nll += 0.5 * z * z;
    grad[i] = grad[i]! + z / prior.sd[i]!;
    const over = Math.abs(r) - RHO_LIMIT;
    if (over > 0) {
      nll += 50 * over * over;
      grad[i] = grad[i]! + 100 * over * Math.sign(r);
    }
  }
  return Number.isFinite(nll) ? nll : Infinity;
}

/** Fits ρ by L-BFGS from each start and keeps the best; the starts' order breaks ties deterministically. */
export function fitHyperparameters(
  layout: KernelLayout,
  X: Float64Array,
  y: Float64Array,
  n: number,
  noiseFloor: number,
  starts: readonly Float64Array[],
  maxEvaluations: number,
): Float64Array {
  const prior = defaultPrior(layout);
  const objective = (rho: Float64Array, grad: Float64Array): number =>
    negLogPosterior(layout, prior, X, y, n, noiseFloor, rho, grad);
  let best: Float64Array | null = null;
  let bestValue = Infinity;
  for (const start of starts) {
    const result = lbfgs(objective, start, maxEvaluations);
    if (result.value < bestValue) {
      bestValue = result.value;
      best = result.x;
    }
  }
  return best ?? Float64Array.from(starts[0] ?? defaultStart(layout));
}
