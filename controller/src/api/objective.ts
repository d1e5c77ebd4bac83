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
