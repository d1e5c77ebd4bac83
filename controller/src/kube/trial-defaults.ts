import { readFileSync } from "node:fs";
import type { V1Container, V1PodSpec } from "@kubernetes/client-node";
import { z } from "zod";

// Helm renders counts such as the GPU limit as JSON numbers; the Pod API takes quantities as strings.
const Quantities = z.record(z.string(), z.union([z.string(), z.number().transform(String)]));

/** Cluster-wide trial Pod defaults (the Helm chart's `trainer` values), filled in where a trialTemplate leaves them unset. */
export const TrialDefaults = z
  .object({
    image: z.string().min(1, { error: "must name a container image" }).optional(),
    collectorImage: z.string().min(1, { error: "must name a container image" }).optional().meta({ description: "Image of the metrics collector sidecar (spec.metricsCollector); default kubetune/kubetune:<version>." }),
    resources: z.object({ requests: Quantities.optional(), limits: Quantities.optional() }).strict().optional(),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    tolerations: z.array(z.looseObject({ key: z.string().optional(), operator: z.string().optional(), effect: z.string().optional() })).optional(),
  })
  .strict();
export type TrialDefaults = z.infer<typeof TrialDefaults>;

/** Reads and validates a trial-defaults JSON file; the error names the file and every bad field. */
export function loadTrialDefaults(path: string): TrialDefaults {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`trial defaults ${path}: ${e instanceof Error ? e.message : String(e)} (a JSON object with image, resources, nodeSelector, tolerations is expected)`);
  }
  const r = TrialDefaults.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`).join("; ");
    throw new Error(`trial defaults ${path}: ${problems}`);
  }
  return r.data;
}

const isEmpty = (o: object | undefined) => o === undefined || Object.keys(o).length === 0;

/**
 * Fills what the template leaves unset: the first container's image and resources (only when it sets no
 * resources at all, so a template's own requests are never mixed with GPU limits), the Pod's nodeSelector
 * and tolerations. Everything the template sets wins.
 */
export function applyTrialDefaults(spec: V1PodSpec, defaults: TrialDefaults): V1PodSpec {
  const [first, ...rest] = spec.containers;
  if (first === undefined) return spec;
  const container: V1Container = { ...first };
  if (!container.image && defaults.image) container.image = defaults.image;
  if (isEmpty(container.resources) && !isEmpty(defaults.resources)) container.resources = defaults.resources;
  const out: V1PodSpec = { ...spec, containers: [container, ...rest] };
  if (isEmpty(spec.nodeSelector) && !isEmpty(defaults.nodeSelector)) out.nodeSelector = defaults.nodeSelector;
  if (spec.tolerations === undefined && defaults.tolerations !== undefined && defaults.tolerations.length > 0) out.tolerations = defaults.tolerations;
  return out;
}
