/**
 * Probability that a trial meets the job's outcome constraints (Gardner et al. 2014; Gelbart et al.
 * 2014): one GP per constraint on the metric's excess over its bound (negative inside), so
 * P(feasible at x) = Π_c Φ((0 − μ_c(x)) / σ_c(x)) multiplies the acquisition like the failure
 * feasibility does. Observations that did not report a constraint's metric are left out of that GP.
 */
import type { Pacer } from "./pace.ts";
import { hyperparametersFor, type Dataset } from "./hyper.ts";
import { paramsFromLog, type KernelLayout } from "./kernel.ts";
import { erfcx, normalCdf } from "./normal.ts";
import { createPosterior, type Posterior } from "./posterior.ts";
import type { ResolvedBayesianSettings } from "./settings.ts";

/** log Φ(z), accurate far into the lower tail (where Φ itself underflows). */
export function logNormalCdf(z: number): number {
  if (z > -1) return Math.log(normalCdf(z));
  return Math.log(0.5) + Math.log(erfcx(-z / Math.SQRT2)) - 0.5 * z * z;
}

/** One constraint's model: a GP on standardized excess and where 0 lies on that scale. */
interface ConstraintModel {
  posterior: Posterior;
  threshold: number;
}

/**
 * Fits a GP per constraint. `X` holds the encoded successful rows (n of them, D columns each) and
 * excess[i][c] their excess over constraint c. Returns log P(feasible) at an encoded point.
 */
export async function createLogConstraintFeasibility(
  layout: KernelLayout,
  settings: ResolvedBayesianSettings,
  X: Float64Array,
  excess: readonly (readonly number[])[],
  constraints: number,
  seed: number,
  pacer: Pacer,
): Promise<(x: Float64Array) => number> {
  const D = layout.dims;
  const models: ConstraintModel[] = [];
  for (let c = 0; c < constraints; c++) {
    const rows = excess.map((e, i) => ({ i, v: e[c]! })).filter((r) => Number.isFinite(r.v));
    if (rows.length < 2) continue;
    const Xc = new Float64Array(rows.length * D);
    rows.forEach((r, k) => Xc.set(X.subarray(r.i * D, r.i * D + D), k * D));
    const values = rows.map((r) => r.v);
    const data: Dataset = { X: Xc, values, n: rows.length };
    const rho = await hyperparametersFor(layout, data, { ...settings, warping: "none" }, seed + 7919 * (c + 1), pacer);
    const params = paramsFromLog(layout, rho, settings.noiseFloor);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) || 1;
    const y = Float64Array.from(values, (v) => (v - mean) / sd);
    const key = ["constraint", c, layout.metric.join(","), layout.categorical.join(","), settings.noiseFloor, ...rho].join("|");
    models.push({ posterior: await createPosterior(layout, params, Xc, y, rows.length, key, pacer), threshold: -mean / sd });
  }
  return (x) => {
    let total = 0;
    for (const m of models) {
      const p = m.posterior.predict(x);
      total += logNormalCdf((m.threshold - p.mean) / Math.max(p.sd, 1e-9));
    }
    return total;
  };
}
