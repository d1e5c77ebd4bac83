import type { V1EnvVar, V1OwnerReference, V1Pod, V1PodSpec, V1Secret } from "@kubernetes/client-node";
import { API_GROUP, API_VERSION, GROUP_VERSION } from "../api/meta.ts";
import { Trial, type TrialStatus } from "../api/trial.ts";
import { REPORT_KEY_ENV } from "../api/report-signature.ts";
import type { TuningJob } from "../api/tuningjob.ts";
import type { TrialView } from "../engine/job.ts";
import { isResourceTemplate, substituteParams } from "../api/template.ts";
import { trialEnv } from "../api/trial-env.ts";
import { applyTrialDefaults, type TrialDefaults } from "./trial-defaults.ts";
import { DEFAULT_COLLECTOR_IMAGE, withMetricsCollector } from "../collect/sidecar.ts";
import { attemptsOf } from "../engine/retry.ts";
import { ATTEMPT_LABEL, attemptPodName } from "./attempts.ts";
import { judgedObjective } from "../api/job-objectives.ts";

/** Label on every Trial and Pod: the name of the TuningJob it belongs to. */
export const JOB_LABEL = "kubetune.io/job";
/** Label on every Pod: the name of its Trial. */
export const TRIAL_LABEL = "kubetune.io/trial";
/** Plurals of our resources, for the custom objects API. */
export const PLURALS = { job: "tuningjobs", trial: "trials" } as const;
export { API_GROUP, API_VERSION };

/** The minimal metadata every Kubernetes object read from the API has. */
export interface Meta {
  name: string;
  namespace: string;
  uid: string;
}

/** Owner reference that makes `owner` the controller of an object (garbage collection, adoption). */
export function ownerReference(kind: string, apiVersion: string, owner: Meta): V1OwnerReference {
  return { apiVersion, kind, name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true };
}

/** The Trial object for a new trial of a job: owned by the job, named like its Pod. */
export function trialObject(job: TuningJob & { metadata: { uid: string; namespace: string } }, view: TrialView): Trial {
  return {
    apiVersion: GROUP_VERSION,
    kind: "Trial",
    metadata: {
      name: view.name,
      namespace: job.metadata.namespace,
      labels: { [JOB_LABEL]: job.metadata.name },
      ownerReferences: [ownerReference("TuningJob", GROUP_VERSION, { name: job.metadata.name, namespace: job.metadata.namespace, uid: job.metadata.uid })],
    },
    spec: { index: view.index, params: view.params },
  };
}

/** Key of the report key in a trial's Secret. */
export const REPORT_KEY_SECRET_KEY = "key";

/**
 * Name of a trial's report-key Secret: the trial and the start of its uid, so a Trial recreated under the
 * same name never picks up its predecessor's Secret while the garbage collector is still removing it.
 */
export function reportKeySecretName(trial: Meta): string {
  return `${trial.name}-report-${trial.uid.slice(0, 8)}`;
}

/** The Secret holding a trial's report key, owned by its Trial (deleted with it). */
export function trialSecret(jobName: string, trial: Meta, key: string): V1Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: reportKeySecretName(trial),
      namespace: trial.namespace,
      labels: { [JOB_LABEL]: jobName, [TRIAL_LABEL]: trial.name },
      ownerReferences: [ownerReference("Trial", GROUP_VERSION, trial)],
    },
    type: "Opaque",
    stringData: { [REPORT_KEY_SECRET_KEY]: key },
  };
}

/** The KUBETUNE_* environment of a trial's containers; KUBETUNE_REPORT_KEY from `reportKeySecret` when given. */
export function trialEnvVars(job: TuningJob & { metadata: { namespace: string } }, view: TrialView, natsUrl: string, reportKeySecret?: string): V1EnvVar[] {
  const env: V1EnvVar[] = trialEnv({ namespace: job.metadata.namespace, job: job.metadata.name, trial: view.name, params: view.params, objective: judgedObjective(job.spec).metric, natsUrl });
  if (reportKeySecret !== undefined) env.push({ name: REPORT_KEY_ENV, valueFrom: { secretKeyRef: { name: reportKeySecret, key: REPORT_KEY_SECRET_KEY } } });
  return env;
}

/**
 * The Pod of the trial's current attempt (kube/attempts.ts): the job's template with `${params.x}` substituted, cluster defaults filled in, KUBETUNE_*
 * env injected (KUBETUNE_REPORT_KEY from `reportKeySecret` when given), owned by the Trial; with
 * spec.metricsCollector, the collector sidecar added (collect/sidecar.ts) with the same env.
 */
export function trialPod(job: TuningJob & { metadata: { namespace: string } }, trial: Meta, view: TrialView, natsUrl: string, defaults: TrialDefaults = {}, reportKeySecret?: string): V1Pod {
  if (isResourceTemplate(job.spec.trialTemplate)) throw new Error(`trialPod: job ${job.metadata.name}'s trials are ${job.spec.trialTemplate.resource.kind}s, not Pods`);
  const template = substituteParams(job.spec.trialTemplate, view.params);
  const env = trialEnvVars(job, view, natsUrl, reportKeySecret);
  const ours = new Set(env.map((e) => e.name));
  const defaulted = applyTrialDefaults(template.spec as V1PodSpec, defaults);
  const collector = job.spec.metricsCollector;
  const spec = collector ? withMetricsCollector(defaulted, collector, defaults.collectorImage ?? DEFAULT_COLLECTOR_IMAGE, env) : defaulted;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...(template.metadata ?? {}),
      name: attemptPodName(view),
      namespace: job.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [JOB_LABEL]: job.metadata.name, [TRIAL_LABEL]: view.name, [ATTEMPT_LABEL]: String(attemptsOf(view)) },
      ownerReferences: [ownerReference("Trial", GROUP_VERSION, trial)],
    },
    spec: {
      ...spec,
      // A trial must run once: Kubernetes would default a template without restartPolicy to Always.
      restartPolicy: spec.restartPolicy ?? "Never",
      containers: spec.containers.map((c) => ({ ...c, env: [...(c.env ?? []).filter((e) => !ours.has(e.name)), ...env] })),
    },
  };
}

/** What a trial Pod's state means for its trial. */
export type PodOutcome =
  | { state: "pending" }
  | { state: "running" }
  | { state: "exited"; ok: boolean; reason?: string };

interface PodLike {
  metadata?: { deletionTimestamp?: unknown };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    containerStatuses?: { name: string; state?: { terminated?: { exitCode: number; reason?: string; message?: string; signal?: number } } }[];
  };
}

/** Reads a Pod's phase as a trial outcome; a failed Pod's reason names the container, exit code and reason. */
export function podOutcome(pod: PodLike): PodOutcome {
  const phase = pod.status?.phase;
  if (phase === "Succeeded") return { state: "exited", ok: true };
  if (phase === "Failed") {
    const failed = (pod.status?.containerStatuses ?? []).find((c) => c.state?.terminated && c.state.terminated.exitCode !== 0);
    const t = failed?.state?.terminated;
    const reason = t
      ? `container ${failed.name} exited with code ${t.exitCode}${t.reason ? ` (${t.reason})` : ""}${t.message ? `: ${t.message.slice(0, 400)}` : ""}`
      : `Pod failed${pod.status?.reason ? ` (${pod.status.reason})` : ""}${pod.status?.message ? `: ${pod.status.message}` : ""}`;
    return { state: "exited", ok: false, reason };
  }
  if (phase === "Running") return { state: "running" };
  return { state: "pending" };
}

/** Keeps at most `max` points of a learning curve: the first, the last and evenly spaced ones between. */
export function thinCurve<T>(curve: readonly T[], max: number): T[] {
  if (curve.length <= max) return [...curve];
  if (max <= 1) return curve.slice(-max);
  const out: T[] = [];
  const stride = (curve.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(curve[Math.round(i * stride)] as T);
  return out;
}

/** Parses a Trial object read from the API; a failure says which fields are wrong. */
export function parseTrial(obj: unknown): { ok: true; trial: Trial } | { ok: false; reason: "invalid_schema"; detail: string } {
  const r = Trial.safeParse(obj);
  if (r.success) return { ok: true, trial: r.data };
  const name = (obj as { metadata?: { name?: string } } | null)?.metadata?.name ?? "?";
  return { ok: false, reason: "invalid_schema", detail: `Trial ${name} is malformed: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}` };
}

/** The engine's view of a stored Trial, used to rebuild a job's tuner after a restart. */
export function trialViewOf(trial: Trial): TrialView {
  const s: TrialStatus = trial.status ?? {};
  const view: TrialView = {
    name: trial.metadata.name,
    index: trial.spec.index,
    params: trial.spec.params,
    phase: s.phase ?? "Pending",
    curve: [...(s.curve ?? [])],
    metrics: { ...(s.metrics ?? {}) },
  };
  if (s.value !== undefined) view.value = s.value;
  if (s.values !== undefined) view.values = [...s.values];
  if (s.valueMetrics !== undefined) view.valueMetrics = { ...s.valueMetrics };
  if (s.feasible !== undefined) view.feasible = s.feasible;
  if (s.infeasibleReason !== undefined) view.infeasibleReason = s.infeasibleReason;
  if (s.reason !== undefined) view.reason = s.reason;
  if (s.retries !== undefined && s.retries.length > 0) view.retries = s.retries.map((r) => ({ ...r }));
  return view;
}

/** Order in which stored finished trials finished: by completion time, then index. */
export function finishedOrder(trials: readonly Trial[]): Map<string, number> {
  const done = trials.filter((t) => t.status?.completionTime !== undefined);
  done.sort((a, b) => (a.status?.completionTime ?? "").localeCompare(b.status?.completionTime ?? "") || a.spec.index - b.spec.index);
  return new Map(done.map((t, i) => [t.metadata.name, i]));
}
