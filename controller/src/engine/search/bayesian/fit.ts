/**
 * MAP fit of the kernel hyperparameters: minimize the negative log marginal likelihood plus
 * log-normal priors over log-parameters with L-BFGS and analytic gradients.
 *
 * Priors (targets are standardized, inputs live in [0, 1]):
 * - lengthscale ℓ: log ℓ ~ N(-½ + ½·log D, 1.12²) — centred near the cube's width for a few dimensions
 *   (ℓ ≈ 1.5 at D = 6), with Hvarfner et al.'s (2024) √D growth so that 20-D problems stay tractable;
 *   the sd matches the curvature of Optuna's GP prior. Their prior (centre √2 + ½·log D, ℓ ≈ 10 at
 *   D = 6, variance 3) let sparse fits pick near-linear models that extrapolated slopes into the
 *   cube's faces and missed basins: 2–10× worse regret at 50 trials on Levy, Ackley, Hartmann6;
 * - categorical mismatch weight w: log w ~ N(-1 - ½·log D, 1.5²);
 * - signal variance s²: log s² ~ N(0, 1.5²);
 * - noise above its floor: log ν ~ N(log 1e-3, 3²) — small for deterministic objectives, free to grow.
 */
import { cholInverse, cholSolve, choleskyOrNull, rowStart } from "./linalg.ts";
import { hyperCount, paramsFromLog, type KernelLayout } from "./kernel.ts";
import { lbfgs, type CostFunction } from "./lbfgs.ts";
import type { Pacer } from "./pace.ts";

/** Prior means/sds over the log-hyperparameter vector, in the kernel's layout order. */
export interface Prior {
  mean: Float64Array;
  sd: Float64Array;
}

const LOG_2PI = Math.log(2 * Math.PI);
/** Log-parameters are kept inside this box by a steep quadratic wall, so no fit can run off to ±∞. */
const RHO_LIMIT = 18;

/** Sd of log ℓ: 1/√0.8, the curvature at its mode of Optuna's -0.1·(θ + 1/θ) prior over θ = ℓ⁻². */
const LENGTHSCALE_SD = 1 / Math.sqrt(0.8);

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
    mean[j] = -2 * (-0.5 + 0.5 * Math.log(D));
    sd[j] = 2 * LENGTHSCALE_SD;
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

const SQRT5 = Math.sqrt(5);

/**
 * The negative log posterior of ρ (up to a constant) with its gradient, as an L-BFGS objective over
 * fixed data; its buffers are allocated once per fit rather than per evaluation. The gradient is
 * ½·tr(W·∂K/∂ρ) with W = K⁻¹ - ααᵀ, plus the prior's and the wall's terms.
 */
export function createNegLogPosterior(
  layout: KernelLayout,
  prior: Prior,
  X: Float64Array,
  y: Float64Array,
  n: number,
  noiseFloor: number,
): CostFunction {
  const D = layout.dims;
  const metric = layout.metric;
  const categorical = layout.categorical;
  const nm = metric.length;
  const nc = categorical.length;
  const size = rowStart(n);
  const K = new Float64Array(size);
  // dk/d(r²) per pair, kept from the kernel pass for the gradient pass.
  const slope = new Float64Array(size);
  const scratch = new Float64Array(size);
  const W = new Float64Array(size);
  return (rho, grad) => {
    const p = paramsFromLog(layout, rho, noiseFloor);
    const { invSq, catWeight, signal } = p;
    for (let a = 0; a < n; a++) {
      const r = rowStart(a);
      const ra = a * D;
      for (let b = 0; b < a; b++) {
        const rb = b * D;
        let d2 = 0;
        for (let j = 0; j < nm; j++) {
          const q = metric[j]!;
          const diff = X[ra + q]! - X[rb + q]!;
          d2 += invSq[j]! * diff * diff;
        }
        let logCat = 0;
        for (let c = 0; c < nc; c++) {
          const q = categorical[c]!;
          if (X[ra + q] !== X[rb + q]) logCat -= catWeight[c]!;
        }
        const dist = Math.sqrt(d2);
        const e = signal * Math.exp(logCat - SQRT5 * dist);
        K[r + b] = (1 + SQRT5 * dist + (5 / 3) * d2) * e;
        slope[r + b] = (-5 / 6) * (1 + SQRT5 * dist) * e;
      }
      K[r + a] = signal + p.noise;
    }
    const chol = choleskyOrNull(K, n);
    if (!chol) return Infinity;
    const alpha = cholSolve(chol, y);
    let nll = 0.5 * n * LOG_2PI;
    for (let i = 0; i < n; i++) nll += 0.5 * y[i]! * alpha[i]! + Math.log(chol.L[rowStart(i) + i]!);
    cholInverse(chol, scratch, W);
    const noiseExcess = Math.exp(rho[nm + nc + 1]!);
    grad.fill(0);
    let gSignal = 0;
    let gNoise = 0;
    for (let a = 0; a < n; a++) {
      const r = rowStart(a);
      const ra = a * D;
      const aa = alpha[a]!;
      const wa = W[r + a]! - aa * aa;
      gSignal += 0.5 * wa * signal;
      gNoise += 0.5 * wa * noiseExcess;
      for (let b = 0; b < a; b++) {
        // Off-diagonal pairs appear twice in the trace, so the ½ cancels.
        const w = W[r + b]! - aa * alpha[b]!;
        const k0 = K[r + b]!;
        gSignal += w * k0;
        const s = w * slope[r + b]!;
        const rb = b * D;
        for (let j = 0; j < nm; j++) {
          const q = metric[j]!;
          const diff = X[ra + q]! - X[rb + q]!;
          grad[j] = grad[j]! + s * invSq[j]! * diff * diff;
        }
        for (let c = 0; c < nc; c++) {
          const q = categorical[c]!;
          if (X[ra + q] !== X[rb + q]) grad[nm + c] = grad[nm + c]! - w * k0 * catWeight[c]!;
        }
      }
    }
    grad[nm + nc] = gSignal;
    grad[nm + nc + 1] = gNoise;
    for (let i = 0; i < rho.length; i++) {
      const v = rho[i]!;
      const z = (v - prior.mean[i]!) / prior.sd[i]!;
      nll += 0.5 * z * z;
      grad[i] = grad[i]! + z / prior.sd[i]!;
      const over = Math.abs(v) - RHO_LIMIT;
      if (over > 0) {
        nll += 50 * over * over;
        grad[i] = grad[i]! + 100 * over * Math.sign(v);
      }
    }
    return Number.isFinite(nll) ? nll : Infinity;
  };
}

/**
 * Fits ρ by L-BFGS from each start and keeps the best; the starts' order breaks ties deterministically.
 * With a pacer, the event loop gets turns between likelihood evaluations.
 */
export async function fitHyperparameters(
  layout: KernelLayout,
  X: Float64Array,
  y: Float64Array,
  n: number,
  noiseFloor: number,
  starts: readonly Float64Array[],
  maxEvaluations: number,
  pacer: Pacer | null = null,
): Promise<Float64Array> {
  const objective = createNegLogPosterior(layout, defaultPrior(layout), X, y, n, noiseFloor);
  // One evaluation in the pacer's units (multiply-adds): factorization and inverse (~n³/2), the kernel
  // and gradient passes (~25 per pair, for the exp/sqrt), and fixed overhead.
  const cost = (n * n * n) / 2 + 25 * n * n + 1e4;
  const pause = pacer ? () => pacer.spend(cost) : null;
  let best: Float64Array | null = null;
  let bestValue = Infinity;
  for (const start of starts) {
    const result = await lbfgs(objective, start, maxEvaluations, 8, pause);
    if (result.value < bestValue) {
      bestValue = result.value;
      best = result.x;
    }
  }
  return best ?? Float64Array.from(starts[0] ?? defaultStart(layout));
}
