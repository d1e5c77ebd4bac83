import { z } from "zod";

export const API_GROUP = "kubetune.io";
export const API_VERSION = "v1alpha1";
export const GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

/** Longest job name that keeps `<job>-<5-digit index>` a valid DNS label (63 characters). */
export const MAX_JOB_NAME_LENGTH = 57;

/** The part of ObjectMeta that manifests set; the API server owns the rest. */
export const ObjectMeta = z.looseObject({
  name: z.string().min(1, { error: "is required" }),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().optional(),
  creationTimestamp: z.string().optional(),
});

/** A Kubernetes-style condition (type, status, reason, message, lastTransitionTime). */
export const Condition = z.object({
  type: z.string(),
  status: z.enum(["True", "False", "Unknown"]),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  observedGeneration: z.int().optional(),
});
export type Condition = z.infer<typeof Condition>;

/** A TuningJob name: a DNS label. */
export const JOB_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Checks that a TuningJob name yields valid Pod names; returns a message or null. */
export function jobNameProblem(name: string): string | null {
  if (!JOB_NAME_PATTERN.test(name)) {
    return `"${name}" must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit`;
  }
  if (name.length > MAX_JOB_NAME_LENGTH) {
    return `"${name}" is ${name.length} characters; at most ${MAX_JOB_NAME_LENGTH} so that trial Pods "<job>-<5 digits>" stay valid names`;
  }
  return null;
}

/** CEL rules for metadata.name at the root of a TuningJob (the only metadata CEL may see). */
export const JOB_NAME_RULES = [
  {
    rule: `self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')`,
    message: "metadata.name must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit",
  },
  {
    rule: `self.metadata.name.size() <= ${MAX_JOB_NAME_LENGTH}`,
    message: `metadata.name must be at most ${MAX_JOB_NAME_LENGTH} characters so that trial Pods "<job>-<5 digits>" stay valid names`,
  },
];
