/** What a TuningJob optimizes: one objective or several, and which one early stopping judges. */
import type { Constraint, Objective, ObjectiveMetric } from "./objective.ts";

/** The parts of a spec that say what is optimized (the parsed spec has them; so does the spec being validated). */
export interface ObjectiveFields {
  objective?: Objective | undefined;
  objectives?: readonly ObjectiveMetric[] | undefined;
  constraints?: readonly Constraint[] | undefined;
  earlyStopping?: { algorithm: string; settings?: { metric?: string | undefined } | undefined } | undefined;
}

/** Most objectives a job may have (what Objectives allows): bounds the values lists in statuses. */
export const MAX_OBJECTIVES = 4;

/** Every objective in order: the single objective, or spec.objectives. */
export function objectiveList(spec: ObjectiveFields): ObjectiveMetric[] {
  if (spec.objectives) return spec.objectives.map((o) => ({ metric: o.metric, direction: o.direction }));
  if (spec.objective) return [{ metric: spec.objective.metric, direction: spec.objective.direction }];
  throw new Error("a TuningJob spec has neither objective nor objectives (validation should have refused it)");
}

/** Whether the job has several objectives (a Pareto front instead of a best trial). */
export function isMultiObjective(spec: ObjectiveFields): boolean {
  return spec.objectives !== undefined;
}

/**
 * The objective whose learning curve each trial records, early stopping judges, and whose best (or last)
 * report gives the trial its values: the single objective, or the objective that
 * `earlyStopping.settings.metric` names, else the first one.
 */
export function judgedObjective(spec: ObjectiveFields): Objective {
  if (spec.objective) return spec.objective;
  const list = objectiveList(spec);
  const named = spec.earlyStopping?.settings?.metric;
  return list.find((o) => o.metric === named) ?? (list[0] as ObjectiveMetric);
}

/** Metrics a trial must record beyond the objectives: its constraints' metrics. */
export function constraintMetrics(spec: ObjectiveFields): string[] {
  return (spec.constraints ?? []).map((c) => c.metric);
}

/** The metrics a trial's outcome snapshot keeps (objectives, constraints); none when its value is all there is to it. */
export function outcomeMetrics(spec: ObjectiveFields): string[] {
  if (!isMultiObjective(spec) && constraintMetrics(spec).length === 0) return [];
  return [...new Set([...objectiveList(spec).map((o) => o.metric), ...constraintMetrics(spec)])];
}

/** A problem with what a spec optimizes, at a path under spec. */
export interface ObjectivesProblem {
  path: (string | number)[];
  message: string;
}

/** What is wrong with a spec's objective, objectives and the metric early stopping judges. */
export function objectivesProblems(spec: ObjectiveFields): ObjectivesProblem[] {
  if (spec.objective && spec.objectives) {
    return [{ path: ["objectives"], message: "cannot be set together with spec.objective: use objective for one metric or objectives for 2 to 4" }];
  }
  if (!spec.objective && !spec.objectives) {
    return [{ path: ["objective"], message: "is required: set spec.objective (one metric) or spec.objectives (2 to 4 metrics)" }];
  }
  const named = spec.earlyStopping?.settings?.metric;
  const metrics = objectiveList(spec).map((o) => o.metric);
  if (named !== undefined && !metrics.includes(named)) {
    return [{ path: ["earlyStopping", "settings", "metric"], message: `must name an objective metric (${metrics.map((m) => `"${m}"`).join(", ")}), got "${named}"` }];
  }
  return [];
}
