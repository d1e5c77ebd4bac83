/**
 * ParEGO-style scalarization over one GP per objective (Knowles 2006; Paria et al. 2019). For a
 * weight vector λ on the simplex, s(y) = max_k λ_k ŷ_k + ρ Σ_k λ_k ŷ_k (augmented Chebyshev) of the
 * objectives normalized to [0, 1] over the observations. Every Pareto-optimal point minimizes s for
 * some λ, including points on concave fronts, unlike a weighted sum. The GPs' independent Gaussian
 * predictions are pushed through s with Clark's (1961) moment matching for the max, which gives a
 * Gaussian for s(x) and so lets the single-objective log-EI machinery maximize EI of s directly.
 */
import { normalCdf, normalPdf } from "./normal.ts";
import type { Posterior, Prediction } from "./posterior.ts";
import type { Rng } from "../rng.ts";

/** Weight of the linear term that breaks ties between weakly Pareto-optimal points. */
export const AUGMENTATION = 0.05;

/** A uniform draw from the simplex in m dimensions (normalized exponentials = Dirichlet(1, …, 1)). */
export function simplexWeights(m: number, rng: Rng): number[] {
  const e = Array.from({ length: m }, () => -Math.log(1 - rng.next()));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** How targets are normalized and weighted: ŷ_k = (y_k − lo_k) / span_k, weights λ. */
export interface Scalarization {
  lo: readonly number[];
  span: readonly number[];
  weights: readonly number[];
}

/** s(y) of one observed target vector. */
export function scalarize(sc: Scalarization, y: readonly number[]): number {
  let max = -Infinity;
  let sum = 0;
  for (let k = 0; k < y.length; k++) {
    const a = (sc.weights[k]! * (y[k]! - sc.lo[k]!)) / sc.span[k]!;
    max = Math.max(max, a);
    sum += a;
  }
  return max + AUGMENTATION * sum;
}

/**
 * Mean and variance of s for independent Gaussian targets: max by Clark's pairwise recursion, the
 * linear term added as if independent of it (its correlation only widens the true spread a little).
 */
export function scalarizedMoments(sc: Scalarization, means: readonly number[], sds: readonly number[], out: Prediction): Prediction {
  let mu = 0;
  let variance = 0;
  let linMean = 0;
  let linVar = 0;
  for (let k = 0; k < means.length; k++) {
    const w = sc.weights[k]! / sc.span[k]!;
    const m = w * (means[k]! - sc.lo[k]!);
    const v = (w * sds[k]!) ** 2;
    linMean += m;
    linVar += v;
    if (k === 0) {
      mu = m;
      variance = v;
      continue;
    }
    const theta = Math.sqrt(variance + v);
    if (theta < 1e-12) {
      if (m > mu) [mu, variance] = [m, v];
      continue;
    }
    const alpha = (mu - m) / theta;
    const pa = normalCdf(alpha);
    const pb = 1 - pa;
    const d = normalPdf(alpha);
    const first = mu * pa + m * pb + theta * d;
    const second = (mu * mu + variance) * pa + (m * m + v) * pb + (mu + m) * theta * d;
    mu = first;
    variance = Math.max(0, second - first * first);
  }
  out.mean = mu + AUGMENTATION * linMean;
  out.sd = Math.sqrt(variance + AUGMENTATION * AUGMENTATION * linVar);
  return out;
}

/** A posterior of s(x) over per-objective posteriors, for the acquisition; believing a point believes it in every objective. */
export function scalarizedPosterior(posteriors: readonly Posterior[], sc: Scalarization): Posterior {
  const m = posteriors.length;
  const means = new Array<number>(m);
  const sds = new Array<number>(m);
  const one: Prediction = { mean: 0, sd: 0 };
  return {
    get size() {
      return posteriors.reduce((a, p) => a + p.size, 0);
    },
    predict(x) {
      posteriors.forEach((p, k) => {
        const pr = p.predict(x);
        means[k] = pr.mean;
        sds[k] = pr.sd;
      });
      return scalarizedMoments(sc, means, sds, one);
    },
    predictMany(xs, count, outMeans, outSds) {
      const all = posteriors.map((p) => {
        const mk = new Float64Array(count);
        const sk = new Float64Array(count);
        p.predictMany(xs, count, mk, sk);
        return { mk, sk };
      });
      for (let i = 0; i < count; i++) {
        for (let k = 0; k < m; k++) {
          means[k] = all[k]!.mk[i]!;
          sds[k] = all[k]!.sk[i]!;
        }
        scalarizedMoments(sc, means, sds, one);
        outMeans[i] = one.mean;
        outSds[i] = one.sd;
      }
    },
    believe(x) {
      for (const p of posteriors) p.believe(x);
    },
  };
}
