/** What a finished trial's outcome is (values, feasibility) and what the optimizer is told about it. */
import { isMultiObjective, objectiveList, type ObjectiveFields } from "../api/job-objectives.ts";
import type { TrialView } from "./job.ts";
import { constraintValues, feasibility, objectiveValues } from "./outcome.ts";
import type { TellInput } from "./search/index.ts";

/** Sets a finished trial's objective values (multi-objective) and feasibility (with constraints). */
export function settleOutcome(t: TrialView, spec: ObjectiveFields): void {
  if (t.phase === "Failed") return;
  if (isMultiObjective(spec)) {
    const values = objectiveValues(t, objectiveList(spec));
    if (values) t.values = values;
  }
  const constraints = spec.constraints ?? [];
  if (constraints.length === 0) return;
  const f = feasibility(t, constraints);
  t.feasible = f.feasible;
  if (!f.feasible) t.infeasibleReason = f.reason;
}

/** What the optimizer is told about a finished trial: its value(s) and constraint metrics, or a failure. */
export function tellOf(id: string, t: TrialView, spec: ObjectiveFields): TellInput {
  const constraints = spec.constraints ?? [];
  const metrics = constraints.length > 0 ? { metrics: constraintValues(t, constraints) } : {};
  if (t.phase === "Failed" || t.value === undefined) return { id, failed: true };
  if (!isMultiObjective(spec)) return { id, value: t.value, ...metrics };
  return t.values ? { id, values: t.values, ...metrics } : { id, failed: true };
}
