import type { V1Pod } from "@kubernetes/client-node";
import { isFinished } from "../../engine/job.ts";
import { isResourceTemplate } from "../../api/template.ts";
import { judgeResource, trialConditions } from "../../api/trial-resource.ts";
import { podOutcome } from "../objects.ts";
import type { ReconcileOutcome } from "../workqueue.ts";
import { isoNow, type Deps, type JobObject } from "./deps.ts";
import type { JobGauges } from "./gauges.ts";
import { ownedTrials } from "./rebuild.ts";
import { judgedObjective } from "../../api/job-objectives.ts";

/** A trial's Pod, or its resource, that still runs, and how to delete it; undefined when none runs (or its kind cannot be looked up). */
async function runningObject(d: Deps, job: JobObject, name: string): Promise<{ remove(): Promise<void> } | undefined> {
  const t = job.spec.trialTemplate;
  const { namespace } = job.metadata;
  if (!isResourceTemplate(t)) {
    const pod = d.pods.get(namespace, name) as V1Pod | undefined;
    if (!pod || pod.metadata?.deletionTimestamp || podOutcome(pod).state === "exited") return undefined;
    return { remove: () => d.api.deletePod(namespace, name) };
  }
  const workloads = d.workloads;
  const kind = workloads ? await workloads.resolve(namespace, t.resource.apiVersion, t.resource.kind) : undefined;
  if (!workloads || !kind?.ok || !workloads.synced(kind.resource)) return undefined;
  const object = workloads.cache(kind.resource).get(namespace, name);
  if (!object || object.metadata?.deletionTimestamp || judgeResource(trialConditions(t), object).done) return undefined;
  return { remove: () => workloads.delete(kind.resource, namespace, name) };
}

/**
 * A finished job without a runtime (e.g. after a restart): exports its gauges from its status, marks
 * its unfinished Trials EarlyStopped and deletes their Pods (or resources) once the stop grace period after its end is over.
 */
export async function settleFinished(d: Deps, gauges: JobGauges, job: JobObject): Promise<ReconcileOutcome> {
  const { namespace, name, uid } = job.metadata;
  gauges.export(namespace, name, judgedObjective(job.spec).metric, job.status?.phase ?? "Failed", job.status);
  const ended = Date.parse(job.status?.completionTime ?? "") || d.now();
  let wake: number | undefined;
  for (const t of ownedTrials(d, namespace, name, uid)) {
    const phase = t.status?.phase ?? "Pending";
    if (!isFinished(phase)) await d.api.patchTrialStatus(namespace, t.metadata.name, { ...(t.status ?? {}), phase: "EarlyStopped", reason: `the job ended (${job.status?.reason ?? job.status?.phase})`, completionTime: isoNow(d) });
    // What runs the trial: the Pod of its last attempt (kube/attempts.ts), which its status names, or its resource.
    const running = await runningObject(d, job, t.status?.podName ?? t.metadata.name);
    if (!running) continue;
    const due = ended + d.stopGraceMs - d.now();
    if (due <= 0) await running.remove();
    else wake = Math.min(wake ?? due, due);
  }
  return wake === undefined ? {} : { requeueAfterMs: wake };
}
