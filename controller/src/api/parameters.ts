import { z } from "zod";
import { checkConditions } from "./conditions.ts";

/** A C identifier: letters, digits and underscores, not starting with a digit. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const name = z
  .string()
  .regex(IDENTIFIER, { error: "must be a C identifier (letters, digits, _; not starting with a digit)" })
  .max(63, { error: "must be at most 63 characters" });

/** Longest categorical value, in characters: a value is passed to the trial and stored on its Trial, whose size is bounded. */
export const MAX_CATEGORICAL_CHARS = 1024;

const scale = z.enum(["linear", "log"], { error: 'must be "linear" or "log"' });

/** Checks shared by double and int ranges; issues are attached to the offending field. */
function checkRange(p: { type: string; min: number; max: number; step?: number | undefined; scale: "linear" | "log" }, ctx: z.RefinementCtx): void {
  if (p.min >= p.max) {
    ctx.addIssue({ code: "custom", path: ["max"], message: `must be greater than min (${p.min})` });
    return;
  }
  if (p.scale === "log" && p.min <= 0) {
    ctx.addIssue({ code: "custom", path: ["min"], message: "must be greater than 0 with scale: log" });
  }
  if (p.step !== undefined) {
    if (p.step <= 0) {
      ctx.addIssue({ code: "custom", path: ["step"], message: "must be greater than 0" });
    } else if (p.step > p.max - p.min) {
      ctx.addIssue({ code: "custom", path: ["step"], message: `must not exceed the range max - min (${p.max - p.min})` });
    } else if (p.scale === "log") {
      ctx.addIssue({ code: "custom", path: ["step"], message: "cannot be combined with scale: log; use scale: linear or drop step" });
    }
  }
  if (p.type === "int") {
    if (!Number.isInteger(p.min)) ctx.addIssue({ code: "custom", path: ["min"], message: "must be an integer for an int parameter" });
    if (!Number.isInteger(p.max)) ctx.addIssue({ code: "custom", path: ["max"], message: "must be an integer for an int parameter" });
    if (p.step !== undefined && p.step > 0 && !Number.isInteger(p.step)) {
      ctx.addIssue({ code: "custom", path: ["step"], message: "must be an integer for an int parameter" });
    }
  }
}

/** Reports the first duplicate in a list of values at its index. */
function checkUnique(values: readonly (string | number)[], ctx: z.RefinementCtx): void {
  const seen = new Set<string | number>();
  values.forEach((v, i) => {
    if (seen.has(v)) ctx.addIssue({ code: "custom", path: ["values", i], message: `duplicate value ${JSON.stringify(v)}` });
    seen.add(v);
  });
}

const ranged = "self.type == 'double' || self.type == 'int'";
const hasRange = "has(self.min) && has(self.max)";

/**
 * The API server's copy of the rules above, as CEL on the merged parameter schema of the CRD. CEL cannot
 * see `values` (its items are untyped, as they are strings or numbers), so the CRD checks them with
 * minItems and list-type set, and their types are left to `kubetune validate` and the controller.
 */
const PARAMETER_RULES = [
  { rule: `${ranged} ? ${hasRange} : !has(self.min) && !has(self.max) && !has(self.step) && !has(self.scale)`, message: "double and int parameters need min and max; categorical and discrete parameters take values, not min, max, step or scale" },
  { rule: `!(${hasRange}) || self.min < self.max`, message: "max must be greater than min" },
  { rule: `!has(self.scale) || self.scale != 'log' || !has(self.min) || self.min > 0`, message: "min must be greater than 0 with scale: log" },
  { rule: `!has(self.step) || self.step > 0`, message: "step must be greater than 0" },
  { rule: `!has(self.step) || !(${hasRange}) || self.step <= self.max - self.min`, message: "step must not exceed the range max - min" },
  { rule: `!has(self.step) || !has(self.scale) || self.scale != 'log'`, message: "step cannot be combined with scale: log" },
  { rule: "!has(self.when) || self.when.parameter != self.name", message: "a parameter cannot depend on itself (when.parameter names it)" },
  { rule: `self.type != 'int' || !(${hasRange}) || (self.min == double(int(self.min)) && self.max == double(int(self.max)) && (!has(self.step) || self.step == double(int(self.step))))`, message: "min, max and step must be integers for an int parameter" },
];

/** Unique values, checked by the API server itself (duplicates are refused with their index). */
const VALUE_SET = { "x-kubernetes-list-type": "set" };

const finite = z.number({ error: "must be a finite number" }).finite({ error: "must be a finite number" });

/** `when: { parameter, in }`: the parameter is active only while `parameter` is active and takes one of the `in` values. */
export const When = z
  .object({
    parameter: name,
    in: z
      .array(z.union([z.string().min(1, { error: "must not be empty" }).max(MAX_CATEGORICAL_CHARS), finite], { error: "must be a string or a finite number" }))
      .min(1, { error: "must list at least one value" })
      .max(64, { error: "must list at most 64 values" }),
  })
  .strict();

/** A numeric range parameter: double or int share their fields and rules. */
function rangeParameter<T extends "double" | "int">(type: T) {
  return z
    .object({
      name,
      type: z.literal(type),
      min: finite,
      max: finite,
      step: finite.optional(),
      scale: scale.default("linear"),
      when: When.optional(),
    })
    .strict()
    .superRefine(checkRange);
}

export const DoubleParameter = rangeParameter("double");
export const IntParameter = rangeParameter("int");

export const CategoricalParameter = z
  .object({
    name,
    type: z.literal("categorical"),
    values: z.array(z.string().min(1, { error: "must not be empty" }).max(MAX_CATEGORICAL_CHARS, { error: `must be at most ${MAX_CATEGORICAL_CHARS} characters` })).min(1, { error: "must list at least one value" }).max(256).meta(VALUE_SET),
    when: When.optional(),
  })
  .strict()
  .superRefine((p, ctx) => checkUnique(p.values, ctx));

export const DiscreteParameter = z
  .object({
    name,
    type: z.literal("discrete"),
    values: z.array(finite).min(1, { error: "must list at least one value" }).max(256).meta(VALUE_SET),
    when: When.optional(),
  })
  .strict()
  .superRefine((p, ctx) => checkUnique(p.values, ctx));

/** One searchable hyperparameter. */
export const Parameter = z
  .discriminatedUnion("type", [DoubleParameter, IntParameter, CategoricalParameter, DiscreteParameter], {
    error: 'type must be one of "double", "int", "categorical", "discrete"',
  })
  .meta({ "x-kubernetes-validations": PARAMETER_RULES });

/** The search space: a non-empty list of parameters with unique names whose conditions (`when`) can all hold. */
export const Parameters = z
  .array(Parameter)
  .min(1, { error: "must declare at least one parameter" })
  .superRefine((ps, ctx) => {
    const seen = new Set<string>();
    ps.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate parameter name "${p.name}"` });
      seen.add(p.name);
    });
    checkConditions(ps, ctx);
  });

export type Parameter = z.infer<typeof Parameter>;
export type DoubleParameter = z.infer<typeof DoubleParameter>;
export type IntParameter = z.infer<typeof IntParameter>;
export type CategoricalParameter = z.infer<typeof CategoricalParameter>;
export type DiscreteParameter = z.infer<typeof DiscreteParameter>;

/** A parameter value: a number for double/int/discrete, a string for categorical. */
export type ParamValue = number | string;
/** One point of the search space, keyed by parameter name. */
export type Params = Record<string, ParamValue>;
