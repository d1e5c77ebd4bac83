/**
 * The optimizer's boundary: zod schemas for its configuration, tell() input and history entries, and
 * the checks that need the configuration (how many objective values an entry must carry).
 */
import { z } from "zod";
import { Constraints, ObjectiveMetric } from "../../api/objective.ts";
import { Parameters } from "../../api/parameters.ts";
import { ALGORITHM_NAMES } from "./types.ts";

const direction = z.enum(["minimize", "maximize"], { error: 'must be "minimize" or "maximize"' });

/**
 * Configuration of an optimizer: the TuningJob's parameters, objective (or 2 to 4 objectives),
 * optional outcome constraints, algorithm and seed.
 */
export const OptimizerConfig = z
  .object({
    parameters: Parameters,
    objective: z
      .object({ metric: z.string().min(1, { error: "must name the metric to optimize" }), direction })
      .loose()
      .optional(),
    objectives: z
      .array(ObjectiveMetric.loose())
      .min(2, { error: "needs at least 2 objectives (use objective for a single one)" })
      .max(4, { error: "takes at most 4 objectives" })
      .optional(),
    constraints: Constraints.optional(),
    algorithm: z.object({
      name: z.enum(ALGORITHM_NAMES, { error: `must be one of ${ALGORITHM_NAMES.map((n) => `"${n}"`).join(", ")}` }),
      settings: z.unknown().optional(),
    }),
    seed: z.number().int({ error: "must be a non-negative integer" }).min(0, { error: "must be a non-negative integer" }).default(0),
  })
  .superRefine((c, ctx) => {
    if ((c.objective === undefined) === (c.objectives === undefined)) {
      ctx.addIssue({ code: "custom", path: ["objective"], message: "needs exactly one of objective (one metric) or objectives (2 to 4 metrics)" });
    }
    const seen = new Set<string>();
    c.objectives?.forEach((o, i) => {
      if (seen.has(o.metric)) ctx.addIssue({ code: "custom", path: ["objectives", i, "metric"], message: `repeats the metric "${o.metric}"; each objective needs its own metric` });
      seen.add(o.metric);
    });
  });
export type OptimizerConfig = z.input<typeof OptimizerConfig>;

const anyNumber = z.custom<number>((v) => typeof v === "number", { error: "must be a number" });
const finite = anyNumber.refine(Number.isFinite, { error: "must be a finite number (tell a diverged trial as { id, failed: true })" });
const paramsSchema = z.record(z.string(), z.union([z.number(), z.string()]));
/** Reported metrics; a constraint metric that is missing or not finite makes the trial infeasible. */
const metricsSchema = z.record(z.string(), anyNumber);
const valuesSchema = z.array(finite).min(1, { error: "needs one value per objective" }).max(4, { error: "takes at most 4 values (one per objective)" });

/** One past suggestion, for rebuilding: told (value or values), failed, or still pending (then its id is required). */
export const HistoryEntry = z
  .object({
    id: z.string().min(1, { error: "must not be empty" }).optional(),
    params: paramsSchema,
    /** The raw objective value as reported (NaN/±∞ allowed: they count as the worst value seen). */
    value: anyNumber.optional(),
    /** The raw objective values of a multi-objective job, in objectives order. */
    values: valuesSchema.optional(),
    /** Reported metrics, for constraints. */
    metrics: metricsSchema.optional(),
    failed: z.literal(true).optional(),
    pending: z.literal(true).optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    const kinds = [e.value !== undefined, e.values !== undefined, e.failed === true, e.pending === true].filter(Boolean).length;
    if (kinds !== 1) ctx.addIssue({ code: "custom", message: "needs exactly one of value, values, failed: true, or pending: true" });
    if (e.pending && e.id === undefined) ctx.addIssue({ code: "custom", path: ["id"], message: "is required for a pending entry, so it can be told later" });
    if (e.metrics !== undefined && (e.failed || e.pending)) ctx.addIssue({ code: "custom", path: ["metrics"], message: "belongs only to an entry with value or values" });
  });
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** Options for rebuilding: how many suggestions were ever made (default: the history's length). */
export const RebuildOptions = z
  .object({ suggestionsMade: z.number().int().min(0, { error: "must be a non-negative integer" }).optional() })
  .strict();
export type RebuildOptions = z.infer<typeof RebuildOptions>;

/** A trial's outcome: its objective value (or values, one per objective) with optional metrics, or a failure. */
export const TellInput = z
  .object({
    id: z.string({ error: "must be the suggestion's id" }),
    value: anyNumber.optional(),
    values: valuesSchema.optional(),
    metrics: metricsSchema.optional(),
    failed: z.literal(true).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const kinds = [t.value !== undefined, t.values !== undefined, t.failed === true].filter(Boolean).length;
    if (kinds !== 1) ctx.addIssue({ code: "custom", message: "tell takes { id, value: number } or { id, values: number[] } (with optional metrics), or { id, failed: true }" });
    if (t.metrics !== undefined && t.failed) ctx.addIssue({ code: "custom", path: ["metrics"], message: "belongs only to a result with value or values" });
  });
export type TellInput = z.input<typeof TellInput>;

/** Formats zod issues with their path, e.g. `parameters.0.max: must be greater than min (1)`. */
export function describe(prefix: string, error: z.ZodError): string {
  return `${prefix}: ${error.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`).join("; ")}`;
}

/** Checks that a told result carries what the job's objectives need; returns the problem or null. */
export function checkOutcome(o: { value?: number; values?: readonly number[] }, objectives: number): string | null {
  if (objectives === 1 && o.values !== undefined) return "values: this job has a single objective; give value: number";
  if (objectives > 1 && o.value !== undefined) return `value: this job has ${objectives} objectives; give values: [${objectives} numbers in objectives order]`;
  if (o.values !== undefined && o.values.length !== objectives) return `values: has ${o.values.length} numbers, the job has ${objectives} objectives (give them in objectives order)`;
  return null;
}
