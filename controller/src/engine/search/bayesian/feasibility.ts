/**
 * Probability that a trial at x succeeds, for spaces where some trials failed. Failures are not values
 * (they are neither good nor bad), so they stay out of the GP; instead a kernel-weighted estimate
 * (Nadaraya-Watson with the GP's own correlation, so "near" means what the model learned) of the
 * failure rate multiplies EI, as in constrained/feasibility-weighted EI. A weak prior (10% failure,
 * one pseudo-observation) keeps regions without evidence explorable.
 */
import { correlationAt, type KernelLayout, type KernelParams } from "./kernel.ts";

const PRIOR_FAILURE = 0.1;
const PRIOR_WEIGHT = 1;

/** Returns log P(success) at an encoded point, given encoded successful rows S and failed rows F. */
export function createLogFeasibility(
  layout: KernelLayout,
  params: KernelParams,
  S: Float64Array,
  nS: number,
  F: Float64Array,
  nF: number,
): (x: Float64Array) => number {
  return (x) => {
    let fail = 0;
    for (let i = 0; i < nF; i++) fail += correlationAt(layout, params, F, i, x);
    let ok = 0;
    for (let i = 0; i < nS; i++) ok += correlationAt(layout, params, S, i, x);
    const pFail = (PRIOR_FAILURE * PRIOR_WEIGHT + fail) / (PRIOR_WEIGHT + fail + ok);
    return Math.log1p(-pFail);
  };
}
