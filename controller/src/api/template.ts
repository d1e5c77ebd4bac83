import { z } from "zod";
import type { Parameter, Params } from "./parameters.ts";
import { ResourceTrialTemplate } from "./trial-resource.ts";

/**
 * `${params.<name>}` placeholders that the controller substitutes with a trial's parameter values, and
 * `${params.<name>:-<fallback>}`, which stands for the fallback text (up to the next `}`) in trials where
 * the parameter is absent: the form a conditional parameter (`when`) must take in a template.
 */
export const PARAM_REFERENCE = /\$\{params\.([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const Container = z
  .looseObject({
    name: z.string().regex(dnsLabel, { error: "must be a DNS label (lowercase letters, digits, -)" }).max(63),
    // Optional: the controller fills in the cluster's trainer image (Helm value trainer.image) when unset.
    image: z.string().min(1, { error: "must name a container image (or leave it out to use the cluster's trainer image)" }).optional(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    env: z
      .array(z.looseObject({ name: z.string().min(1, { error: "must not be empty" }), value: z.string().optional() }))
      .optional(),
  })
  .meta({ "x-kubernetes-preserve-unknown-fields": true });

/** The Pod template for each trial: a core/v1 PodTemplateSpec; only what kubetune relies on is checked here. */
export const PodTrialTemplate = z
  .object({
    metadata: z
      .looseObject({
        labels: z.record(z.string(), z.string()).optional(),
        annotations: z.record(z.string(), z.string()).optional(),
      })
      .optional()
      .meta({ "x-kubernetes-preserve-unknown-fields": true }),
    spec: z
      .looseObject({
        containers: z.array(Container).min(1, { error: "must list at least one container" }).max(16),
        restartPolicy: z
          .enum(["Never", "OnFailure"], { error: 'must be "Never" or "OnFailure" (a trial Pod must be able to finish)' })
          .optional(),
      })
      .meta({ "x-kubernetes-preserve-unknown-fields": true }),
  })
  .strict()
  .meta({ description: "A core/v1 PodTemplateSpec; ${params.<name>} in any string is replaced by the trial's value." });

export type PodTrialTemplate = z.infer<typeof PodTrialTemplate>;

/** A trial is a Pod (a PodTemplateSpec) or a resource of another kind (`resource`, with its conditions). */
export const TrialTemplate = z
  .union([PodTrialTemplate, ResourceTrialTemplate])
  .meta({
    "x-kubernetes-validations": [{ rule: "has(self.spec) != has(self.resource)", message: "trialTemplate is either a Pod template (metadata, spec) or a resource (resource, successCondition, failureCondition), not both" }],
  });

export type TrialTemplate = z.infer<typeof TrialTemplate>;

/** Whether a trial template names a resource (a Job, JobSet, …) rather than a Pod. */
export function isResourceTemplate(t: TrialTemplate): t is ResourceTrialTemplate {
  return "resource" in t;
}

/** A `${params.x}` in a template: the name, the path of the string that holds it, and whether it has a `:-fallback`. */
export interface ParamReference {
  name: string;
  path: (string | number)[];
  fallback: boolean;
}

/** Every `${params.x}` name referenced anywhere in a template, with the path of the string that holds it. */
export function paramReferences(value: unknown, path: (string | number)[] = []): ParamReference[] {
  if (typeof value === "string") {
    return [...value.matchAll(PARAM_REFERENCE)].map((m) => ({ name: m[1] as string, path, fallback: m[2] !== undefined }));
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => paramReferences(v, [...path, i]));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => paramReferences(v, [...path, k]));
  }
  return [];
}

/** Renders a parameter value for a command line or env var: numbers as JavaScript prints them, strings as-is. */
function render(v: Params[string]): string {
  return typeof v === "number" ? String(v) : v;
}

/**
 * Why a reference cannot stand in a template, or null: a conditional parameter is absent from the
 * trials where it is inactive, so it must be referenced with a fallback (`${params.x:-value}`).
 */
export function conditionalReferenceProblem(parameters: readonly Parameter[], ref: ParamReference): string | null {
  const when = parameters.find((p) => p.name === ref.name)?.when;
  if (when === undefined || ref.fallback) return null;
  return `uses \${params.${ref.name}} unconditionally, but ${ref.name} is conditional (when ${when.parameter} in ${JSON.stringify(when.in)}) and absent from trials where it is inactive; write \${params.${ref.name}:-<value>} for the text to use then, or read it from KUBETUNE_PARAMS (params() in the Python SDK), which leaves it out while inactive`;
}

/**
 * Replaces every `${params.<name>}` in every string of a template (deeply) with the trial's value, and
 * `${params.<name>:-text}` with the value or, when the trial has no such parameter, the text; a name
 * without a value or fallback is left as-is.
 */
export function substituteParams<T>(template: T, params: Params): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      return v.replace(PARAM_REFERENCE, (m, name: string, fallback: string | undefined) => {
        const value = params[name];
        return value !== undefined ? render(value) : (fallback ?? m);
      });
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(template) as T;
}
