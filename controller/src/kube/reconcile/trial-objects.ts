import type { KubernetesObject } from "@kubernetes/client-node";
import { judgeResource } from "../../api/trial-resource.ts";
import type { TrialView } from "../../engine/job.ts";
import type { CreateResult } from "../api.ts";
import { attemptPodName } from "../attempts.ts";
import { podOutcome, trialPod, type Meta, type PodOutcome } from "../objects.ts";
import { trialResource } from "../trial-resource.ts";
import type { Deps, JobObject } from "./deps.ts";
import type { JobRuntime } from "./runtime.ts";

/**
 * What runs a trial — its Pod, or its resource when the job's trials are Jobs, TrainJobs… — as the
 * reconciler sees it. One place decides which, so pods.ts and trials.ts work the same for both.
 */
export interface TrialObject {
  object: KubernetesObject;
  outcome: PodOutcome;
}

/** A trial as these functions need it: its name and, for Pod trials, its retries (which attempt's Pod runs it). */
type TrialRef = Pick<TrialView, "name" | "retries">;

/** The name of what runs the trial now: its current attempt's Pod (kube/attempts.ts), or its resource (named like the trial; resources are not retried). */
export function trialObjectName(rt: JobRuntime, v: TrialRef): string {
  return rt.workload ? v.name : attemptPodName(v);
}

/** The first True condition's message of a failed resource, to say why in the trial's reason. */
function failedMessage(o: KubernetesObject): string | undefined {
  const conditions = (o as { status?: { conditions?: { type?: string; status?: string; message?: string }[] } }).status?.conditions ?? [];
  return conditions.find((c) => c.status === "True" && c.type === "Failed" && c.message)?.message;
}

/**
 * Logs a resource trial's condition that cannot be evaluated (a misspelt field is "no such key" for
 * ever, and the trial then runs until its resource is deleted), once each time the error changes.
 */
function conditionError(d: Deps, rt: JobRuntime, name: string, error: string | undefined): void {
  if (error === undefined) {
    rt.conditionErrors.delete(name);
    return;
  }
  if (rt.conditionErrors.get(name) === error) return;
  rt.conditionErrors.set(name, error);
  d.log.warn("a trial's success or failure condition cannot be evaluated; it counts as false until it can (check the expression against the resource's status)", { namespace: rt.namespace, job: rt.name, trial: name, error: error.slice(0, 400) });
}

/** A trial's Pod or resource from the informer caches, with what its state means for the trial. */
export function trialObjectOf(d: Deps, rt: JobRuntime, v: TrialRef): TrialObject | undefined {
  const w = rt.workload;
  const name = trialObjectName(rt, v);
  if (!w) {
    const pod = d.pods.get(rt.namespace, name);
    return pod ? { object: pod, outcome: podOutcome(pod) } : undefined;
  }
  const object = d.workloads?.cache(w.resource).get(rt.namespace, name);
  if (!object) return undefined;
  const j = judgeResource(w.conditions, object);
  if (!j.done) {
    conditionError(d, rt, name, j.error);
    return { object, outcome: { state: "running" } };
  }
  rt.conditionErrors.delete(name);
  if (j.ok) return { object, outcome: { state: "exited", ok: true } };
  const why = failedMessage(object);
  return { object, outcome: { state: "exited", ok: false, reason: `${w.template.resource.kind} ${name} failed${why ? `: ${why.slice(0, 400)}` : ""} (${j.reason ?? "its failureCondition holds"})` } };
}

/** Creates a trial's Pod, or its resource. */
export function createTrialObject(d: Deps, rt: JobRuntime, job: JobObject, trial: Meta, v: TrialView, reportKeySecret?: string): Promise<CreateResult<Meta>> {
  const w = rt.workload;
  if (!w) return d.api.createPod(trialPod(job, trial, v, d.trialNatsUrl, d.trialDefaults, reportKeySecret));
  if (!d.workloads) throw new Error("a job with resource trials was loaded without workload support");
  return d.workloads.create(w.resource, trialResource(job, w.template, trial, v, d.trialNatsUrl, d.trialDefaults, reportKeySecret));
}

/** Deletes a trial's current Pod, or its resource (what the resource made goes with it). */
export function deleteTrialObject(d: Deps, rt: JobRuntime, v: TrialRef): Promise<void> {
  const w = rt.workload;
  const name = trialObjectName(rt, v);
  if (!w || !d.workloads) return d.api.deletePod(rt.namespace, name);
  return d.workloads.delete(w.resource, rt.namespace, name);
}
