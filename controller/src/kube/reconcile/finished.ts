import type { V1Pod } from "@kubernetes/client-node";
import { isFinished } from "../../engine/job.ts";
import { podOutcome } from "../objects.ts";
import type { ReconcileOutcome } from "../workqueue.ts";
import { isoNow, type Deps, type JobObject } from "./deps.ts";
import type { JobGauges } from "./gauges.ts";
import { ownedTrials } from "./rebuild.ts";

/**
 * A finished job without a runtime (e.g. after a restart): exports its gauges from its status, marks
 * its unfinished Trials EarlyStopped and deletes their Pods once the stop grace period after its end is over.
 */
export async function settleFinished(d: Deps, gauges: JobGauges, job: JobObject): Promise<ReconcileOutcome> {
  const { namespace, name, uid } = job.metadata;
  gauges.export(namespace, name, job.spec.objective.metric, job.status?.phase ?? "Failed", job.status);
  const ended = Date.parse(job.status?.completionTime ?? "") || d.now();
  let wake: number | undefined;
  for (const t of ownedTrials(d, namespace, name, uid)) {
    const phase = t.status?.phase ?? "Pending";
    if (!isFinished(phase)) await d.api.patchTrialStatus(namespace, t.metadata.name, { ...(t.status ?? {}), phase: "EarlyStopped", reason: `the job ended (${job.status?.reason ?? job.status?.phase})`, completionTime: isoNow(d) });
    // The Pod of the trial's last attempt (kube/attempts.ts), which its status names.
    const podName = t.status?.podName ?? t.metadata.name;
    const pod = d.pods.get(namespace, podName) as V1Pod | undefined;
    if (!pod || pod.metadata?.deletionTimestamp || podOutcome(pod).state === "exited") continue;
    const due = ended + d.stopGraceMs - d.now();
    if (due <= 0) await d.api.deletePod(namespace, podName);
    else wake = Math.min(wake ?? due, due);
  }
  return wake === undefined ? {} : { requeueAfterMs: wake };
}
