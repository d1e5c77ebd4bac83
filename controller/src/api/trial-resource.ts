import { z } from "zod";
import { parse, type ParseResult } from "@marcbachmann/cel-js";
import { conditionCostProblem } from "./condition-cost.ts";

/** `group/version` and kind of a resource a trial may be, with the success and failure conditions kubetune defaults to. */
interface KnownKind {
  apiVersion: string;
  kind: string;
  success: string;
  failure: string;
}

/** A CEL test of `object.status.conditions` for a condition type that is True. */
function conditionTrue(type: string): string {
  return `has(object.status) && has(object.status.conditions) && object.status.conditions.exists(c, c.type == '${type}' && c.status == 'True')`;
}

/** The kinds whose conditions and Pod templates kubetune knows; any other kind must name both conditions. */
export const KNOWN_KINDS: readonly KnownKind[] = [
  { apiVersion: "batch/v1", kind: "Job", success: conditionTrue("Complete"), failure: conditionTrue("Failed") },
  { apiVersion: "jobset.x-k8s.io/v1alpha2", kind: "JobSet", success: conditionTrue("Completed"), failure: conditionTrue("Failed") },
  { apiVersion: "kubeflow.org/v1", kind: "PyTorchJob", success: conditionTrue("Succeeded"), failure: conditionTrue("Failed") },
  { apiVersion: "trainer.kubeflow.org/v1alpha1", kind: "TrainJob", success: conditionTrue("Complete"), failure: conditionTrue("Failed") },
];

/** The known kind of `apiVersion`/`kind`, if kubetune knows it. */
export function knownKind(apiVersion: string, kind: string): KnownKind | undefined {
  return KNOWN_KINDS.find((k) => k.apiVersion === apiVersion && k.kind === kind);
}

/** The parser's complaint about a CEL expression, or why its cost is unbounded; undefined when it is fine. */
export function celProblem(expression: string): string | undefined {
  try {
    const cost = conditionCostProblem(parse(expression).ast);
    return cost === undefined ? undefined : `is refused: it ${cost}`;
  } catch (e) {
    return `is not a valid CEL expression: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`;
  }
}

const condition = z.string().min(1, { error: "must be a CEL expression over `object` (the trial's resource), e.g. object.status.succeeded >= 1" }).max(2048);

/** A trial as a resource of any kind: the object kubetune creates per trial, and when it counts as finished. */
export const ResourceTrialTemplate = z
  .object({
    resource: z
      .looseObject({
        apiVersion: z.string().regex(/^[a-z0-9.-]+\/[a-z0-9]+$/, { error: 'must be "group/version" (e.g. batch/v1); core/v1 Pods are written as a Pod template (metadata, spec) instead' }),
        kind: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, { error: "must be a Kubernetes kind, e.g. Job" }),
        metadata: z
          .looseObject({ labels: z.record(z.string(), z.string()).optional(), annotations: z.record(z.string(), z.string()).optional() })
          .superRefine((m, ctx) => {
            // kubetune sets name, namespace and owner; anything else (finalizers above all: a stopped trial's resource would never go) is refused.
            const other = Object.keys(m).filter((k) => k !== "labels" && k !== "annotations");
            if (other.length > 0) ctx.addIssue({ code: "custom", message: `has ${other.join(", ")}: a trial resource's metadata takes labels and annotations only (kubetune sets its name, namespace and owner); remove the rest` });
          })
          .optional()
          .meta({ "x-kubernetes-preserve-unknown-fields": true }),
        spec: z.looseObject({}).meta({ "x-kubernetes-preserve-unknown-fields": true }),
      })
      .meta({ "x-kubernetes-preserve-unknown-fields": true, description: "The trial's resource; its name, namespace and owner are set by kubetune." }),
    successCondition: condition.optional().meta({ description: "CEL over `object`: true once the trial succeeded (defaults for Job, JobSet, PyTorchJob, TrainJob)." }),
    failureCondition: condition.optional().meta({ description: "CEL over `object`: true once the trial failed (defaults for Job, JobSet, PyTorchJob, TrainJob)." }),
  })
  .strict()
  .superRefine((t, ctx) => {
    const known = knownKind(t.resource.apiVersion, t.resource.kind);
    for (const key of ["successCondition", "failureCondition"] as const) {
      const expression = t[key];
      if (expression === undefined) {
        if (!known) ctx.addIssue({ code: "custom", path: [key], message: `is required: kubetune has no default for ${t.resource.kind} (${t.resource.apiVersion}); known kinds are ${KNOWN_KINDS.map((k) => k.kind).join(", ")}` });
        continue;
      }
      const problem = celProblem(expression);
      if (problem) ctx.addIssue({ code: "custom", path: [key], message: problem });
    }
  });

export type ResourceTrialTemplate = z.infer<typeof ResourceTrialTemplate>;

/** The two conditions that judge a trial's resource, compiled. */
export interface TrialConditions {
  success: ParseResult;
  failure: ParseResult;
  /** The expressions, to say which one decided. */
  text: { success: string; failure: string };
}

/** Compiles a validated template's conditions (the given ones, else its kind's defaults). */
export function trialConditions(t: ResourceTrialTemplate): TrialConditions {
  const known = knownKind(t.resource.apiVersion, t.resource.kind);
  const success = t.successCondition ?? known?.success;
  const failure = t.failureCondition ?? known?.failure;
  if (success === undefined || failure === undefined) throw new Error(`${t.resource.kind}: no success or failure condition (the schema requires both for unknown kinds)`);
  return { success: parse(success), failure: parse(failure), text: { success, failure } };
}

/** JSON as CEL sees Kubernetes objects: whole numbers are ints (as the API server's CEL types them), not doubles. */
function celValue(v: unknown): unknown {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(celValue);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, celValue(x)]));
  return v;
}

/** Whether one compiled condition holds for `object`; an expression that errors (a missing field) does not hold. */
function holds(expression: ParseResult, object: unknown): boolean | Error {
  try {
    return expression({ object: celValue(object) }) === true;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** What a trial's resource says now: finished (ok or not, and why) or still running; an evaluation error is reported, not fatal. */
export function judgeResource(c: TrialConditions, object: unknown): { done: false; error?: string } | { done: true; ok: boolean; reason?: string } {
  const failed = holds(c.failure, object);
  if (failed === true) return { done: true, ok: false, reason: `its failureCondition holds: ${c.text.failure}` };
  const succeeded = holds(c.success, object);
  if (succeeded === true) return { done: true, ok: true };
  const error = [failed, succeeded].find((r) => r instanceof Error);
  return error ? { done: false, error: error.message } : { done: false };
}
