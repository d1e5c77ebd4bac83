import type { CurvePoint } from "../../api/trial.ts";

/** One trial's learning curve: the last value reported for each step, with steps kept sorted. */
export interface Curve {
  /** Reported steps, ascending and unique. */
  readonly steps: number[];
  readonly values: Map<number, number>;
  /** Bumped on every change, so derived summaries know when to recompute. */
  version: number;
  /**
   * Bumped on every change other than an append past the last step (a step reported again, a step filled in
   * earlier, the curve cleared): while it stands, every prefix of the curve is as it was.
   */
  edits: number;
}

/** A curve with no points. */
export function emptyCurve(): Curve {
  return { steps: [], values: new Map(), version: 0, edits: 0 };
}

/** Records `value` at `step`; a second report for the same step replaces the first (the latest is the truth). */
export function setPoint(curve: Curve, step: number, value: number): void {
  const last = curve.steps[curve.steps.length - 1];
  if (last === undefined || step > last) curve.steps.push(step);
  else {
    if (!curve.values.has(step)) curve.steps.splice(lowerBound(curve.steps, step), 0, step);
    curve.edits++;
  }
  curve.values.set(step, value);
  curve.version++;
}

/** Removes every point. */
export function clearCurve(curve: Curve): void {
  curve.steps.length = 0;
  curve.values.clear();
  curve.version++;
  curve.edits++;
}

/** The curve's points in step order. */
export function pointsOf(curve: Curve): CurvePoint[] {
  return curve.steps.map((step) => ({ step, value: curve.values.get(step) ?? Number.NaN }));
}

/** The first reported point at or after `step`, if any. */
export function firstAtOrAfter(curve: Curve, step: number): CurvePoint | undefined {
  const s = curve.steps[lowerBound(curve.steps, step)];
  return s === undefined ? undefined : { step: s, value: curve.values.get(s) ?? Number.NaN };
}

/** The last reported step strictly before `step`, if any. */
export function stepBefore(curve: Curve, step: number): number | undefined {
  const i = lowerBound(curve.steps, step);
  return i > 0 ? curve.steps[i - 1] : undefined;
}

/** Index of the first element ≥ x in an ascending array (its length when none is). */
export function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? Infinity) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element > x in an ascending array. */
export function upperBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? Infinity) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
