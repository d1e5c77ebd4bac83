import { z } from "zod";

const metricName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.\-/]*$/, { error: "must be a metric name (letters, digits, _ . - /; starting with a letter or _)" })
  .max(128, { error: "must be at most 128 characters" });

/** What a trial is judged by: one metric, its direction, an optional goal that ends the job early. */
export const Objective = z
  .object({
    metric: metricName.meta({ description: "Name of the reported metric to optimize, e.g. val_loss." }),
    direction: z.enum(["minimize", "maximize"], { error: 'must be "minimize" or "maximize"' }),
    goal: z.number().finite().optional().meta({ description: "The job succeeds as soon as a trial reaches this value." }),
    strategy: z
      .enum(["best", "last"], { error: 'must be "best" or "last"' })
      .optional()
      .meta({ description: "Which reported value is the trial's objective: the best over all steps (default) or the last." }),
    additionalMetrics: z.array(metricName).max(32).optional().meta({ description: "Other metrics to record on each Trial." }),
  })
  .strict()
  .superRefine((o, ctx) => {
    o.additionalMetrics?.forEach((m, i) => {
      if (m === o.metric) {
        ctx.addIssue({ code: "custom", path: ["additionalMetrics", i], message: `must not repeat the objective metric "${m}"` });
      }
    });
  })
  .meta({
    "x-kubernetes-validations": [
      { rule: "!has(self.additionalMetrics) || !(self.metric in self.additionalMetrics)", message: "additionalMetrics must not repeat the objective metric" },
    ],
  });

export type Objective = z.infer<typeof Objective>;

/** One objective of a multi-objective job: a metric and its direction (no goal: a front has no single best to reach it). */
export const ObjectiveSpec = z
  .object({
    metric: metricName.meta({ description: "Name of the reported metric, e.g. val_loss." }),
    direction: z.enum(["minimize", "maximize"], { error: 'must be "minimize" or "maximize"' }),
  })
  .strict();
export type ObjectiveSpec = z.infer<typeof ObjectiveSpec>;

/** Most objectives a multi-objective job may have: beyond 4 nearly every trial is on the front. */
export const MAX_OBJECTIVES = 4;

/** The objectives of a multi-objective job: 2 to 4, metrics unique. */
export const Objectives = z
  .array(ObjectiveSpec)
  .min(2, { error: "must list at least 2 objectives (use spec.objective for one)" })
  .max(MAX_OBJECTIVES, { error: `must list at most ${MAX_OBJECTIVES} objectives` })
  .superRefine((list, ctx) => {
    list.forEach((o, i) => {
      if (list.findIndex((p) => p.metric === o.metric) !== i) ctx.addIssue({ code: "custom", path: [i, "metric"], message: `duplicate objective metric "${o.metric}"` });
    });
  })
  .meta({
    description: "Several objectives, optimized together: the job finds their Pareto front.",
    "x-kubernetes-validations": [{ rule: "self.all(o, self.exists_one(p, p.metric == o.metric))", message: "objective metrics must be unique" }],
  });
export type Objectives = z.infer<typeof Objectives>;

/** An outcome constraint: a trial whose metric lies outside [min, max] is infeasible. */
export const Constraint = z
  .object({
    metric: metricName.meta({ description: "Name of the reported metric the bound applies to, e.g. model_mb." }),
    min: z.number().finite({ error: "must be a finite number" }).optional().meta({ description: "The metric must be at least this." }),
    max: z.number().finite({ error: "must be a finite number" }).optional().meta({ description: "The metric must be at most this." }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.min === undefined && c.max === undefined) ctx.addIssue({ code: "custom", path: [], message: `constraint on "${c.metric}" needs min, max or both` });
    if (c.min !== undefined && c.max !== undefined && c.min > c.max) ctx.addIssue({ code: "custom", path: ["max"], message: `must be at least min (${c.min})` });
  })
  .meta({
    "x-kubernetes-validations": [
      { rule: "has(self.min) || has(self.max)", message: "a constraint needs min, max or both" },
      { rule: "!has(self.min) || !has(self.max) || self.min <= self.max", message: "a constraint's max must be at least its min" },
    ],
  });
export type Constraint = z.infer<typeof Constraint>;

/** Most constraints a job may have. */
export const MAX_CONSTRAINTS = 8;

/** A job's outcome constraints: up to 8, metrics unique. */
export const Constraints = z
  .array(Constraint)
  .max(MAX_CONSTRAINTS, { error: `must list at most ${MAX_CONSTRAINTS} constraints` })
  .superRefine((list, ctx) => {
    list.forEach((c, i) => {
      if (list.findIndex((p) => p.metric === c.metric) !== i) ctx.addIssue({ code: "custom", path: [i, "metric"], message: `duplicate constraint metric "${c.metric}" (put min and max in one constraint)` });
    });
  })
  .meta({
    description: "Outcome constraints: a trial whose reported metric is outside a bound is infeasible and never best nor on the Pareto front.",
    "x-kubernetes-validations": [{ rule: "self.all(c, self.exists_one(d, d.metric == c.metric))", message: "constraint metrics must be unique" }],
  });
export type Constraints = z.infer<typeof Constraints>;
