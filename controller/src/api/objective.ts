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

/** One objective of a multi-objective job: a metric and its direction. */
export const ObjectiveMetric = z
  .object({
    metric: metricName.meta({ description: "Name of the reported metric, e.g. val_loss." }),
    direction: z.enum(["minimize", "maximize"], { error: 'must be "minimize" or "maximize"' }),
  })
  .strict();
export type ObjectiveMetric = z.infer<typeof ObjectiveMetric>;

/** Reports an issue on every entry whose metric repeats an earlier one's. */
function uniqueMetrics(list: readonly { metric: string }[], ctx: z.RefinementCtx, what: string): void {
  const seen = new Map<string, number>();
  list.forEach((o, i) => {
    const first = seen.get(o.metric);
    if (first !== undefined) ctx.addIssue({ code: "custom", path: [i, "metric"], message: `repeats the metric "${o.metric}" of ${what} ${first}; each metric may appear once` });
    else seen.set(o.metric, i);
  });
}

/** The objectives of a multi-objective job: 2 to 4 metrics, each with its direction, metrics unique. */
export const Objectives = z
  .array(ObjectiveMetric)
  .min(2, { error: "needs at least 2 objectives (use objective for a single one)" })
  .max(4, { error: "takes at most 4 objectives" })
  .superRefine((list, ctx) => uniqueMetrics(list, ctx, "objective"))
  .meta({
    description: "Several metrics to optimize at once; the job's result is their Pareto front.",
    "x-kubernetes-validations": [{ rule: "self.all(o, self.exists_one(p, p.metric == o.metric))", message: "each objective metric may appear once" }],
  });
export type Objectives = z.infer<typeof Objectives>;

const bound = z.number({ error: "must be a number" }).finite({ error: "must be a finite number" });

/** An outcome constraint: a trial is feasible only when its reported metric lies within the bounds. */
export const Constraint = z
  .object({
    metric: metricName.meta({ description: "Name of the reported metric the bound applies to, e.g. latency_ms." }),
    min: bound.optional().meta({ description: "The metric must be at least this." }),
    max: bound.optional().meta({ description: "The metric must be at most this." }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.min === undefined && c.max === undefined) ctx.addIssue({ code: "custom", message: "needs at least one bound: min or max" });
    if (c.min !== undefined && c.max !== undefined && c.min > c.max) ctx.addIssue({ code: "custom", path: ["max"], message: `must be at least min (${c.min})` });
  })
  .meta({
    "x-kubernetes-validations": [
      { rule: "has(self.min) || has(self.max)", message: "a constraint needs at least one bound: min or max" },
      { rule: "!has(self.min) || !has(self.max) || self.min <= self.max", message: "a constraint's max must be at least its min" },
    ],
  });
export type Constraint = z.infer<typeof Constraint>;

/** Outcome constraints: up to 8, one per metric. */
export const Constraints = z
  .array(Constraint)
  .max(8, { error: "takes at most 8 constraints" })
  .superRefine((list, ctx) => uniqueMetrics(list, ctx, "constraint"))
  .meta({
    description: "Bounds on reported metrics; a trial outside them is infeasible and never best or on the Pareto front.",
    "x-kubernetes-validations": [{ rule: "self.all(c, self.exists_one(p, p.metric == c.metric))", message: "each constraint metric may appear once" }],
  });
export type Constraints = z.infer<typeof Constraints>;
