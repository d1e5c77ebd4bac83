/** What a finished trial's outcome is (values, feasibility) and what the optimizer is told about it. */
import type { Constraint, ObjectiveMetric } from "../api/objective.ts";
import type { TrialView } from "./job.ts";
import { constraintValues, feasibility, objectiveValues } from "./outcome.ts";
import type { TellInput } from "./search/index.ts";

/** Sets a finished trial's objective values (multi-objective) and feasibility (with constraints). */
export function settleOutcome(t: TrialView, job: { objectives: readonly ObjectiveMetric[]; constraints: readonly Constraint[]; multi: boolean }): void {
  if (t.phase === "Failed") return;
  if (job.multi) {
    const values = objectiveValues(t, job.objectives);
    if (values) t.values = values;
  }
  if (job.constraints.length === 0) return;
  const f = feasibility(t, job.constraints);
  t.feasible = f.feasible;
  if (!f.feasible) t.infeasibleReason = f.reason;
}

/** What the optimizer is told about a finished trial: its value(s) and constraint metrics, or a failure. */
export function tellOf(id: string, t: TrialView, job: { multi: boolean; constraints: readonly Constraint[] }): TellInput {
  const metrics = job.constraints.length > 0 ? { metrics: constraintValues(t, job.constraints) } : {};
  if (t.phase === "Failed" || t.value === undefined) return { id, failed: true };
  if (!job.multi) return { id, value: t.value, ...metrics };
  return t.values ? { id, values: t.values, ...metrics } : { id, failed: true };
}
