/** How one metric report is recorded on a trial: its curve point, its metrics, its value and the outcome snapshot. */
import type { CurvePoint } from "../api/trial.ts";
import type { Objective } from "../api/objective.ts";
import { extendedObjectiveValue, isBetter, objectiveValue, type TrialView } from "./job.ts";
import { snapshotMetrics } from "./outcome.ts";

/** Where a point went in a step-ordered curve: appended at the end, inserted before later steps, or replacing its step's point. */
type Placement = "appended" | "inserted" | "replaced";

/**
 * Adds or replaces the point at `step` in a step-ordered curve. Reports come in step order, so appending
 * is the common case and costs O(1); one out of order is placed by binary search, so a trial that
 * reports its steps backwards costs O(log n) a report to find its place, not a sort of the whole curve.
 */
function addPoint(curve: CurvePoint[], step: number, value: number): Placement {
  const last = curve[curve.length - 1];
  if (last === undefined || last.step < step) {
    curve.push({ step, value });
    return "appended";
  }
  let lo = 0;
  let hi = curve.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((curve[mid] as CurvePoint).step < step) lo = mid + 1;
    else hi = mid;
  }
  if (curve[lo]?.step === step) {
    curve[lo] = { step, value };
    return "replaced";
  }
  curve.splice(lo, 0, { step, value });
  return "inserted";
}

/**
 * The trial's objective value after placing a point: O(1) for the best (one more point can only improve
 * it) unless the point replaced one, which may have been the best; for the last, the last finite point
 * found from the end (reports are finite on the wire, so that is the last point).
 */
function valueAfter(t: TrialView, placement: Placement, v: number, objective: Objective): number | undefined {
  if (placement === "appended") return extendedObjectiveValue(t.value, v, objective);
  if (objective.strategy === "last") {
    for (let i = t.curve.length - 1; i >= 0; i--) {
      const p = t.curve[i] as CurvePoint;
      if (Number.isFinite(p.value)) return p.value;
    }
    return undefined;
  }
  return placement === "inserted" ? extendedObjectiveValue(t.value, v, objective) : objectiveValue(t.curve, objective);
}

/** The step whose point gives a curve its value (the best, earliest on ties, or the last finite one). */
function valueStep(curve: readonly CurvePoint[], objective: Objective): number | undefined {
  let chosen: CurvePoint | undefined;
  for (const p of curve) {
    if (!Number.isFinite(p.value)) continue;
    if (chosen === undefined || objective.strategy === "last" || isBetter(p.value, chosen.value, objective.direction)) chosen = p;
  }
  return chosen?.step;
}

/** Whether the point just placed at `step` is the one that now gives the trial its value. */
function givesValue(t: TrialView, placement: Placement, step: number, v: number, previous: number | undefined, objective: Objective): boolean {
  if (!Number.isFinite(v)) return false;
  if (placement === "appended") return objective.strategy === "last" || previous === undefined || isBetter(v, previous, objective.direction);
  return valueStep(t.curve, objective) === step;
}

/**
 * Records a report on its trial: the judged objective's point goes into the curve; the metrics and value
 * are updated unless the trial is `stopping` (it keeps what it was judged on). When the report gives the
 * trial its value, the `outcome` metrics (objectives, constraints) as of it are kept in valueMetrics.
 * The judged objective's value, if reported.
 */
export function recordReport(t: TrialView, step: number, metrics: Record<string, number>, objective: Objective, stopping: boolean, outcome: readonly string[] = []): number | undefined {
  if (!stopping) Object.assign(t.metrics, metrics);
  const v = metrics[objective.metric];
  if (v === undefined) return undefined;
  const placement = addPoint(t.curve, step, v);
  if (!stopping) {
    const previous = t.value;
    const value = valueAfter(t, placement, v, objective);
    if (value !== undefined) t.value = value;
    if (outcome.length > 0 && givesValue(t, placement, step, v, previous, objective)) t.valueMetrics = snapshotMetrics(t.metrics, outcome);
  }
  return v;
}

