import type { KubernetesObject, V1EnvVar, V1PodSpec } from "@kubernetes/client-node";
import { GROUP_VERSION } from "../api/meta.ts";
import { substituteParams } from "../api/template.ts";
import type { ResourceTrialTemplate } from "../api/trial-resource.ts";
import type { TuningJob } from "../api/tuningjob.ts";
import type { TrialView } from "../engine/job.ts";
import { JOB_LABEL, TRIAL_LABEL, ownerReference, trialEnvVars, type Meta } from "./objects.ts";
import { applyTrialDefaults, type TrialDefaults } from "./trial-defaults.ts";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** `env` with ours replacing any of the same name (a template's own KUBETUNE_* never shadows the trial's). */
function withEnv(current: unknown, env: readonly V1EnvVar[]): V1EnvVar[] {
  const ours = new Set(env.map((e) => e.name));
  const theirs = Array.isArray(current) ? (current as V1EnvVar[]) : [];
  return [...theirs.filter((e) => !ours.has(e.name)), ...env];
}

/**
 * Every Pod template in a resource's spec, found by shape (an object whose `spec.containers` is a list),
 * so Job's spec.template, JobSet's replicatedJobs[].template.spec.template, PyTorchJob's
 * pytorchReplicaSpecs.*.template, and the Pod templates of other kinds are all reached.
 */
function podTemplates(node: unknown, out: Json[] = []): Json[] {
  if (Array.isArray(node)) {
    for (const v of node) podTemplates(v, out);
    return out;
  }
  if (!isObject(node)) return out;
  if (isObject(node.spec) && Array.isArray(node.spec.containers)) {
    out.push(node);
    return out;
  }
  for (const v of Object.values(node)) podTemplates(v, out);
  return out;
}

/** Labels a Pod template with its trial, fills cluster defaults and gives every container the trial's environment. */
function preparePodTemplate(t: Json, labels: Record<string, string>, env: readonly V1EnvVar[], defaults: TrialDefaults): void {
  const metadata = isObject(t.metadata) ? t.metadata : {};
  t.metadata = { ...metadata, labels: { ...(isObject(metadata.labels) ? metadata.labels : {}), ...labels } };
  const spec = applyTrialDefaults(t.spec as V1PodSpec, defaults);
  t.spec = {
    ...spec,
    // A trial must run once: a Pod template without restartPolicy would default to Always, which a Job refuses.
    restartPolicy: spec.restartPolicy ?? "Never",
    containers: spec.containers.map((c) => ({ ...c, env: withEnv(c.env, env) })),
    ...(spec.initContainers ? { initContainers: spec.initContainers.map((c) => ({ ...c, env: withEnv(c.env, env) })) } : {}),
  };
}

/**
 * The trial's resource: the template with `${params.x}` substituted, named like the trial and owned by
 * it (deleted with it), labelled with the job and trial. Every Pod template inside gets the trial label, the
 * cluster defaults and the KUBETUNE_* environment; a TrainJob (whose Pods come from its runtime) gets
 * the environment in spec.trainer.env, which its operator merges into every trainer node.
 */
export function trialResource(job: TuningJob & { metadata: { namespace: string } }, template: ResourceTrialTemplate, trial: Meta, view: TrialView, natsUrl: string, defaults: TrialDefaults = {}, reportKeySecret?: string): KubernetesObject {
  const resource = substituteParams(template.resource, view.params) as ResourceTrialTemplate["resource"];
  const env = trialEnvVars(job, view, natsUrl, reportKeySecret);
  const labels = { [JOB_LABEL]: job.metadata.name, [TRIAL_LABEL]: view.name };
  const spec = resource.spec as Json;
  // Its Pods get the trial label only: the job label is what the controller's Pod informer selects, and
  // the resource's own status, not its Pods', decides the trial (bench:controller: 5x the reconciles with it).
  for (const t of podTemplates(spec)) preparePodTemplate(t, { [TRIAL_LABEL]: view.name }, env, defaults);
  if (resource.kind === "TrainJob" && resource.apiVersion.startsWith("trainer.kubeflow.org/")) {
    const trainer = isObject(spec.trainer) ? spec.trainer : {};
    spec.trainer = { ...trainer, env: withEnv(trainer.env, env) };
  }
  return {
    ...resource,
    metadata: {
      ...(resource.metadata ?? {}),
      name: view.name,
      namespace: job.metadata.namespace,
      labels: { ...(resource.metadata?.labels ?? {}), ...labels },
      ownerReferences: [ownerReference("Trial", GROUP_VERSION, trial)],
    },
    spec,
  } as KubernetesObject;
}
